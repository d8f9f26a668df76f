package dev.lipsim.train;

import dev.lipsim.checkpoint.Checkpoint;
import dev.lipsim.checkpoint.LoadedCheckpoint;
import dev.lipsim.distributed.Replicas;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.nn.Parameter;
import dev.lipsim.nn.optim.LearningRateSchedule;
import dev.lipsim.nn.optim.Optimizer;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * A model being trained in a run folder, from a starting point: what fine-tuning and
 * distillation both assemble around the one {@link TrainingLoop}. It owns the model and the
 * optimizer.
 *
 * @param <I> the items of a batch
 */
final class TrainingRun<I> implements AutoCloseable {

    /** Makes the starting model again (a checkpoint read, or a seeded initialisation). */
    @FunctionalInterface
    interface Start {
        LoadedCheckpoint load() throws IOException;
    }

    private final RunDirectory run;
    private final LipSimModel model;
    private final Optimizer optimizer;
    private final TrainingLoop<I> loop;
    private final long firstStep;
    private final String startedFrom;

    /** Where a run continues: the model and optimizer state to take over, after {@code step} steps. */
    record Resume(LoadedCheckpoint from, long step) {}

    /**
     * Takes over {@code from} (its model, and its optimizer state, which is copied and freed)
     * after {@code firstStep} steps of the run; {@code schedule} maps the run's total steps to
     * its learning-rate schedule.
     */
    TrainingRun(RunDirectory run, LoadedCheckpoint from, long firstStep, TrainingSettings settings,
            Function<LipSimModel, Objective<I>> objective, TrainingData<I> data, LongFunction<LearningRateSchedule> schedule,
            Device device, Replicas replicas) {
        this.run = run;
        this.model = from.model();
        this.firstStep = firstStep;
        this.startedFrom = from.source();
        model.to(device);
        replicas.broadcastFromRankZero(model); // every replica starts from rank 0's weights, as DDP does
        List<Parameter> parameters = model.parameters().stream().filter(Parameter::isTrainable).toList();
        this.optimizer = settings.optimizer(parameters);
        try {
            optimizer.loadStateDict(from.optimizerState());
        } finally {
            from.optimizerState().values().forEach(Tensor::close);
        }
        long totalSteps = settings.epochs() * data.stepsPerEpoch();
        this.loop = new TrainingLoop<>(model, optimizer, schedule.apply(totalSteps), objective.apply(model), data, run,
                settings.loop(), replicas);
    }

    /**
     * The point a run continues from: its newest intact checkpoint (damaged ones are skipped, set
     * aside and reported on stderr), or, if it has none, {@code start} made again.
     */
    static Resume resumePoint(RunDirectory run, int embeddingDim, Start start, Replicas replicas) throws IOException {
        boolean reporter = replicas.rank() == 0;
        List<String> skipped = new ArrayList<>();
        var latest = run.latestIntactCheckpoint(reporter, skipped::add);
        if (latest.isEmpty() && !skipped.isEmpty()) {
            skipped.add("no intact checkpoint is left; the run starts again from its beginning");
        }
        if (reporter) {
            skipped.forEach(note -> System.err.println("warning: " + note));
        }
        long step = latest.map(RunDirectory.Saved::step).orElse(0L);
        LoadedCheckpoint from = latest.isPresent() ? Checkpoint.load(latest.get().file(), embeddingDim) : start.load();
        try {
            if (replicas.rank() == 0) {
                run.truncateMetrics(step);
            }
        } catch (IOException e) {
            from.close();
            throw e;
        }
        return new Resume(from, step);
    }

    RunDirectory run() {
        return run;
    }

    LipSimModel model() {
        return model;
    }

    long firstStep() {
        return firstStep;
    }

    long totalSteps() {
        return loop.totalSteps();
    }

    String startedFrom() {
        return startedFrom;
    }

    TrainingLoop.Outcome train(Progress progress, BooleanSupplier stop) throws IOException {
        return loop.run(firstStep, progress, stop);
    }

    @Override
    public void close() {
        optimizer.close();
        model.close();
    }
}
