package dev.lipsim.cli;

import static dev.lipsim.cli.Flags.value;

import dev.lipsim.distributed.DataParallel;
import dev.lipsim.distributed.Mpi;
import dev.lipsim.distributed.Replicas;
import dev.lipsim.tensor.Device;
import dev.lipsim.train.Progress;
import dev.lipsim.train.RunDirectory;
import dev.lipsim.train.StopSignal;
import dev.lipsim.train.TrainingJob;
import dev.lipsim.train.TrainingLoop;
import dev.lipsim.train.TrainingSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** The flags of commands that train (optimizer, batches, epochs, checkpoints, resuming), named as in the reference. */
final class TrainingOptions {

    /** Flags that define a run (of any kind), which a resumed run takes from its config.json instead. */
    static final List<String> RUN_FLAGS = List.of("data-dir", "dataset", "train-dir", "margin", "scheduler", "teacher",
            "teacher-embeddings", "dreamsim-path", "warmup-steps", "checkpoint", "random-init", "model-name", "depth",
            "num-channels", "conv-size", "depth-linear", "n-features", "image-size", "embedding-dim", "teacher-model-name",
            "embedding", "requires-bias", "seed", "loss", "optimizer", "lr", "beta1", "beta2", "wd", "batch-size",
            "epochs", "checkpoint-every", "keep-checkpoints", "gradient-clip-by-norm");

    private TrainingOptions() {}

    static void addTo(Options options, int defaultEpochs) {
        options.addOption(value("resume", "DIR", "continue the run in DIR from its newest checkpoint, as configured"));
        options.addOption(value("epochs", "N", "passes over the training data (default " + defaultEpochs + ")"));
        options.addOption(value("lr", "RATE", "peak learning rate (default " + TrainingSettings.DEFAULT_LEARNING_RATE + ")"));
        options.addOption(value("optimizer", "NAME", "adam (default) or adamw"));
        options.addOption(value("beta1", "B", "Adam beta1 (default " + TrainingSettings.DEFAULT_BETA1 + ")"));
        options.addOption(value("beta2", "B", "Adam beta2 (default " + TrainingSettings.DEFAULT_BETA2 + ")"));
        options.addOption(value("wd", "W", "weight decay (default 0)"));
        options.addOption(value("gradient-clip-by-norm", "N", "largest joint gradient norm (default: no clipping)"));
        options.addOption(value("checkpoint-every", "STEPS", "steps between checkpoints (default "
                + TrainingSettings.DEFAULT_CHECKPOINT_EVERY + "; one is always written at the end)"));
        options.addOption(value("keep-checkpoints", "K", "newest checkpoints kept (default "
                + TrainingSettings.DEFAULT_KEEP_CHECKPOINTS + ")"));
        options.addOption(value("frequency-log-steps", "N", "steps between progress lines when not on a terminal (default 10)"));
        options.addOption(value("distributed", "MODE", "auto (default: data-parallel when launched by mpirun or srun) or off"));
        options.addOption(value("backend", "NAME", "what gradients travel over between ranks: mpi (default, host memory) or"
                + " nccl (GPU memory; needs --device cuda, which under MPI means each rank's own GPU)"));
    }

    /** The {@code --device} to train on; under MPI a plain {@code cuda} means this rank's own GPU. */
    static Device device(CommandLine line) throws UsageException {
        Device device = ModelOptions.computeOn(line);
        boolean plainCuda = line.getOptionValue("device", "cpu").strip().equalsIgnoreCase("cuda");
        return plainCuda && distributed(line) ? DataParallel.localGpu() : device;
    }

    /**
     * The replicas this process trains with on {@code device}: MPI's world when launched under MPI
     * and not {@code --distributed off}, with gradients over {@code --backend}; else this process
     * alone. {@code --batch-size} is then per replica.
     */
    static Replicas replicas(CommandLine line, Device device) throws UsageException {
        String backend = line.getOptionValue("backend", "mpi");
        if (!backend.equals("mpi") && !backend.equals("nccl")) {
            throw new UsageException("--backend must be mpi or nccl, got '" + backend + "'");
        }
        if (backend.equals("nccl") && !device.isCuda()) {
            throw new UsageException("--backend nccl reduces gradients in GPU memory; it needs --device cuda, not " + device);
        }
        if (!distributed(line)) {
            return Replicas.SINGLE;
        }
        try {
            Mpi mpi = Mpi.init();
            DataParallel parallel = backend.equals("nccl") ? DataParallel.overNccl(mpi, device) : new DataParallel(mpi);
            if (!line.hasOption("threads")) {
                parallel.shareCores();
            }
            return parallel;
        } catch (IllegalStateException e) {
            throw new UsageException("launched under MPI, but " + e.getMessage() + " (--distributed off trains alone)");
        }
    }

    /** Whether this run is data-parallel: launched under MPI and not {@code --distributed off}. */
    private static boolean distributed(CommandLine line) throws UsageException {
        String mode = line.getOptionValue("distributed", "auto");
        if (!mode.equals("auto") && !mode.equals("off")) {
            throw new UsageException("--distributed must be auto or off, got '" + mode + "'");
        }
        return mode.equals("auto") && Mpi.launched();
    }

    /** The settings the flags give; the run records the global batch, {@code --batch-size} (per rank) times {@code ranks}. */
    static TrainingSettings settings(CommandLine line, int defaultEpochs, int ranks) throws UsageException {
        try {
            return new TrainingSettings(line.getOptionValue("optimizer", "adam"),
                    DataOptions.number(line, "lr", TrainingSettings.DEFAULT_LEARNING_RATE),
                    DataOptions.number(line, "beta1", TrainingSettings.DEFAULT_BETA1),
                    DataOptions.number(line, "beta2", TrainingSettings.DEFAULT_BETA2), DataOptions.number(line, "wd", 0),
                    DataOptions.positive(line, "batch-size", TrainingSettings.DEFAULT_BATCH_SIZE) * ranks,
                    DataOptions.positive(line, "epochs", defaultEpochs),
                    DataOptions.positive(line, "checkpoint-every", (int) TrainingSettings.DEFAULT_CHECKPOINT_EVERY),
                    DataOptions.positive(line, "keep-checkpoints", TrainingSettings.DEFAULT_KEEP_CHECKPOINTS),
                    DataOptions.number(line, "gradient-clip-by-norm", 0));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * Trains {@code job} to its end, or to Ctrl-C, with progress on stderr, and records the run
     * and its outcome in {@code report}; a run stopped by Ctrl-C also gets the command that
     * continues it.
     */
    static TrainingLoop.Outcome train(TrainingJob job, String command, CommandLine line, Map<String, Object> report)
            throws Exception {
        report.put("run", job.run().root().toString());
        report.put("startedFrom", job.startedFrom());
        report.put("firstStep", job.firstStep());
        report.put("totalSteps", job.totalSteps());
        report.put("noEffect", ReferenceCommandLine.ignoredClusterFlags(line));
        TrainingLoop.Outcome outcome;
        try (Progress progress = Progress.on(System.err, Progress.terminal(),
                DataOptions.positive(line, "frequency-log-steps", 10)); StopSignal stop = StopSignal.install(System.err)) {
            outcome = job.train(progress, stop);
        }
        report.put("status", outcome.status().name().toLowerCase(Locale.ROOT));
        report.put("steps", outcome.steps());
        if (outcome.checkpoint() != null) { // null on data-parallel ranks other than 0, which write nothing
            report.put("checkpoint", outcome.checkpoint().file().toString());
        }
        report.put("lastLoss", outcome.lastLoss());
        if (outcome.status() == TrainingLoop.Status.INTERRUPTED) {
            report.put("resumeWith", "lipsim " + command + " --resume " + job.run().root());
        }
        return outcome;
    }

    /**
     * The folder of a new run: {@code --train-dir}, or {@code fallback} without it (null: the flag
     * is required); a folder that already holds a run is refused before anything is loaded.
     */
    static Path newRunFolder(CommandLine line, Path fallback) throws UsageException {
        if (!line.hasOption("train-dir") && fallback == null) {
            throw new UsageException("--train_dir DIR is required: the run's configuration, metrics and checkpoints go there"
                    + " (or --resume DIR to continue a run)");
        }
        Path folder = line.hasOption("train-dir") ? DataOptions.trainDir(line) : fallback;
        if (Files.exists(folder.resolve(RunDirectory.CONFIG))) {
            throw new UsageException(folder + " already holds a run; continue it with --resume " + folder
                    + " or choose a new --train_dir");
        }
        return folder;
    }

    /** Refuses run-defining flags beside {@code --resume}: a resumed run is configured by its config.json. */
    static void requireNoRunFlags(CommandLine line) throws UsageException {
        List<String> given = RUN_FLAGS.stream().filter(line::hasOption).map(flag -> "--" + flag).toList();
        if (!given.isEmpty()) {
            throw new UsageException("--resume continues a run as its config.json says; " + String.join(", ", given)
                    + " cannot change it (start a new run instead)");
        }
    }
}
