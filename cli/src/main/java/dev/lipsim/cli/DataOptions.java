package dev.lipsim.cli;

import static dev.lipsim.cli.Flags.value;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** The flags of commands that read a 2AFC dataset and a training folder, named as in the reference. */
final class DataOptions {

    private DataOptions() {}

    static void addTo(Options options) {
        options.addOption(value("data-dir", "DIR", "dataset root: NIGHT (data.csv and images; also the synthetic set) or "
                + "BAPPS (holding bapps/2afc/<split>/<category>)"));
        options.addOption(value("dataset", "NAME", "night (default; also for the synthetic set) or bapps"));
        addTrainDir(options);
        options.addOption(value("batch-size", "N", "triplets per step or per forward pass"));
        options.addOption(value("decode-threads", "N", "image decoding threads (default 2), besides libtorch's --threads"));
        ReferenceCommandLine.addClusterFlags(options);
    }

    /** {@code --train-dir}: a model by its training folder. */
    static void addTrainDir(Options options) {
        options.addOption(value("train-dir", "DIR", "training folder: ours (config.json, checkpoints/) or the reference's "
                + "(checkpoints/model.ckpt-N.pth); a name that is not a folder is looked up in ./trained_models as the "
                + "reference does"));
    }

    /** {@code --data-dir}, which must be a folder. */
    static Path dataDir(CommandLine line) throws UsageException {
        if (!line.hasOption("data-dir")) {
            throw new UsageException("--data_dir DIR is required");
        }
        Path dir = Path.of(line.getOptionValue("data-dir"));
        if (!Files.isDirectory(dir)) {
            throw new UsageException("--data_dir " + dir + ": no such folder");
        }
        return dir;
    }

    /** {@code night} or {@code bapps}; {@code synthetic} is read as NIGHT, whose layout it has. */
    static String dataset(CommandLine line) throws UsageException {
        String value = line.getOptionValue("dataset", "night").toLowerCase(Locale.ROOT);
        return switch (value) {
            case "night", "synthetic" -> "night";
            case "bapps" -> "bapps";
            default -> throw new UsageException("--dataset must be night, bapps or synthetic, got '" + value + "'");
        };
    }

    /**
     * The training folder {@code --train-dir} names: the path itself, or, where that does not
     * exist and {@code ./trained_models/<name>} does, that (the reference's convention).
     */
    static Path trainDir(CommandLine line) {
        Path given = Path.of(line.getOptionValue("train-dir"));
        Path reference = Path.of("trained_models").resolve(given);
        return !Files.exists(given) && !given.isAbsolute() && Files.isDirectory(reference) ? reference : given;
    }

    static int positive(CommandLine line, String flag, int fallback) throws UsageException {
        int value = ModelOptions.integer(line, flag, fallback);
        if (value < 1) {
            throw new UsageException("--" + flag + " must be at least 1, got " + value);
        }
        return value;
    }

    static double number(CommandLine line, String flag, double fallback) throws UsageException {
        String value = line.getOptionValue(flag);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + flag + " expects a number, got '" + value + "'");
        }
    }
}
