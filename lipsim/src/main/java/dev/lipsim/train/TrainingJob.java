package dev.lipsim.train;

import dev.lipsim.distributed.Replicas;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A run being trained, whatever it trains: the run folder, where it starts and ends, and the
 * training itself. Fine-tuning and distillation add their configuration and their own steps.
 */
public abstract sealed class TrainingJob implements AutoCloseable permits FineTuning, Distillation {

    private final TrainingRun<?> training;

    TrainingJob(TrainingRun<?> training) {
        this.training = training;
    }

    public final RunDirectory run() {
        return training.run();
    }

    /** Steps done before this call (0 for a new run). */
    public final long firstStep() {
        return training.firstStep();
    }

    public final long totalSteps() {
        return training.totalSteps();
    }

    /** Where the model came from: a checkpoint and its format, or the random initialisation. */
    public final String startedFrom() {
        return training.startedFrom();
    }

    /** Trains to the end, or until {@code stop} turns true (then a checkpoint is written first). */
    public final TrainingLoop.Outcome train(Progress progress, BooleanSupplier stop) throws IOException {
        return training.train(progress, stop);
    }

    /** The model being trained (owned by this run). */
    final LipSimModel model() {
        return training.model();
    }

    @Override
    public void close() {
        training.close();
    }

    /**
     * A replica's share of a run's global batch: the run records the global batch, so a run
     * resumed on another number of ranks keeps its steps, data order and schedule, as long as
     * the number of ranks divides it.
     */
    static int perReplica(int globalBatch, Replicas replicas) {
        if (globalBatch % replicas.worldSize() != 0) {
            throw new IllegalArgumentException("the run's batch of " + globalBatch + " does not divide among "
                    + replicas.worldSize() + " ranks; use a number of ranks that divides it");
        }
        return globalBatch / replicas.worldSize();
    }

    /** The configuration in a run folder, read with {@code parser}; one it cannot read names the file. */
    static <C> C config(RunDirectory run, Function<String, C> parser) throws IOException {
        try {
            return parser.apply(run.config());
        } catch (IllegalArgumentException e) {
            throw new IOException(run.root().resolve(RunDirectory.CONFIG) + " is damaged or not this kind of run's "
                    + "configuration (" + e.getMessage().lines().findFirst().orElse("") + "), and the run cannot resume "
                    + "without it; " + checkpointsState(run), e);
        }
    }

    /** What a run with an unreadable configuration still has: its checkpoints, which the model commands read. */
    private static String checkpointsState(RunDirectory run) throws IOException {
        var newest = run.latestCheckpoint();
        if (newest.isEmpty()) {
            return "it has no checkpoints";
        }
        Path file = newest.get().file();
        String intact;
        try {
            SafeTensors.verify(file);
            intact = "intact";
        } catch (IOException damaged) {
            intact = "damaged too";
        }
        return "its checkpoints are untouched (" + run.checkpoints().size() + ", the newest " + file + " " + intact
                + "), and eval, embed or certify read one with --checkpoint FILE";
    }

    /** Refuses to resume a run whose data changed size: the same steps would see other samples. */
    static void requireSameData(String samples, String dataDir, int now, int then, Path folder) throws IOException {
        if (now != then) {
            throw new IOException(dataDir + " has " + now + " " + samples + ", the run in " + folder + " started with " + then
                    + "; resuming on other data would not continue the same run");
        }
    }
}
