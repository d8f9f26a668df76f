package dev.lipsim.cli;

import dev.lipsim.train.TrainingSettings;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
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
    }

    private static Option value(String name, String argument, String description) {
        return Option.builder().longOpt(name).hasArg().argName(argument).desc(description).build();
    }

    static TrainingSettings settings(CommandLine line, int defaultEpochs) throws UsageException {
        try {
            return new TrainingSettings(line.getOptionValue("optimizer", "adam"),
                    DataOptions.number(line, "lr", TrainingSettings.DEFAULT_LEARNING_RATE),
                    DataOptions.number(line, "beta1", TrainingSettings.DEFAULT_BETA1),
                    DataOptions.number(line, "beta2", TrainingSettings.DEFAULT_BETA2), DataOptions.number(line, "wd", 0),
                    DataOptions.positive(line, "batch-size", TrainingSettings.DEFAULT_BATCH_SIZE),
                    DataOptions.positive(line, "epochs", defaultEpochs),
                    DataOptions.positive(line, "checkpoint-every", (int) TrainingSettings.DEFAULT_CHECKPOINT_EVERY),
                    DataOptions.positive(line, "keep-checkpoints", TrainingSettings.DEFAULT_KEEP_CHECKPOINTS),
                    DataOptions.number(line, "gradient-clip-by-norm", 0));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
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
