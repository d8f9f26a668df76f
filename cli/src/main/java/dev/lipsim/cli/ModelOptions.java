package dev.lipsim.cli;

import static dev.lipsim.cli.Flags.value;

import dev.lipsim.bindings.LibTorch;
import dev.lipsim.checkpoint.Checkpoint;
import dev.lipsim.checkpoint.LoadedCheckpoint;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimConfig;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.metric.LipSim;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * The flags every model-building command shares, named as in the reference where it has them
 * (its {@code snake_case} spellings work too): a checkpoint ({@code .safetensors} of this
 * project, or the reference's {@code .pth}), or a freshly initialised model, which must be asked
 * for with {@code --random-init}.
 */
final class ModelOptions {

    private ModelOptions() {}

    static void addTo(Options options) {
        options.addOption(value("checkpoint", "FILE", "model checkpoint: .safetensors (ours) or .pth (the reference's)"));
        options.addOption(value("model-name", "NAME", "architecture preset: " + String.join(", ", LipSimConfig.PRESETS)
                + " (default small)"));
        options.addOption(value("depth", "N", "number of SLL convolutions"));
        options.addOption(value("num-channels", "N", "channels of the convolutions"));
        options.addOption(value("conv-size", "N", "inner width of the SLL convolutions (not a kernel size)"));
        options.addOption(value("depth-linear", "N", "number of SLL linear layers"));
        options.addOption(value("n-features", "N", "inner width of the SLL linear layers"));
        options.addOption(value("image-size", "N", "input size in pixels, a multiple of 16 (default 224)"));
        options.addOption(value("embedding-dim", "N", "embedding size (default 1792, the DreamSim ensemble's)"));
        options.addOption(value("embedding", "MAP", "unit (the reference's) or append-one (always certifiable); default unit"));
        options.addOption(value("device", "DEVICE", "cpu or cuda[:N] (default cpu)"));
        options.addOption(value("seed", "N", "seed for --random-init (default 0)"));
        options.addOption(value("threads", "N", "libtorch compute threads (default: one per core)"));
        options.addOption(Option.builder().longOpt("random-init").desc("use a randomly initialised model (no checkpoint)").build());
        options.addOption(Option.builder().longOpt("requires-bias").desc("the reference's name for --embedding append-one").build());
        options.addOption(Option.builder().longOpt("allow-non-finite-weights")
                .desc("load a checkpoint whose weights hold NaN or infinity (with a warning) instead of refusing it").build());
        options.addOption(value("teacher-model-name", "NAME", "sets the embedding size as the reference does: "
                + String.join(", ", TEACHER_DIMENSIONS.keySet())));
    }

    /** The metric of the model in {@code checkpoint} (null: the flags' model) under {@code embedding}. */
    static LipSim open(CommandLine line, Path checkpoint, EmbeddingMap embedding) throws UsageException, IOException {
        Device device = computeOn(line);
        LoadedCheckpoint loaded = model(line, checkpoint);
        loaded.optimizerState().values().forEach(Tensor::close);
        LipSimModel model = loaded.model();
        try {
            return new LipSim(model, embedding, device);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** The file of {@code --checkpoint}, or null. */
    static Path checkpointFlag(CommandLine line) {
        return line.hasOption("checkpoint") ? Path.of(line.getOptionValue("checkpoint")) : null;
    }

    /**
     * The model in {@code checkpoint} (checked against any architecture flags given), with the
     * optimizer state it holds, or with no checkpoint the freshly initialised model the flags
     * describe, which needs {@code --random-init}.
     */
    static LoadedCheckpoint model(CommandLine line, Path checkpoint) throws UsageException, IOException {
        return model(line, checkpoint, OptionalInt.empty());
    }

    /** {@link #model(CommandLine, Path)} with the embedding size fixed (by a teacher) when {@code embeddingDim} is given. */
    static LoadedCheckpoint model(CommandLine line, Path checkpoint, OptionalInt embeddingDim) throws UsageException,
            IOException {
        if (checkpoint != null) {
            return fromCheckpoint(line, checkpoint, embeddingDim);
        }
        if (!line.hasOption("random-init")) {
            throw new UsageException("no model: give --checkpoint FILE, or --random-init for an untrained model");
        }
        LipSimConfig config = requested(line, preset(line), embeddingDim);
        int seed = integer(line, "seed", 0);
        try {
            return new LoadedCheckpoint(new LipSimModel(config, new Generator(seed)), Map.of(), 0, 0,
                    "random initialisation (seed " + seed + ")");
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid model: " + e.getMessage());
        }
    }

    private static LoadedCheckpoint fromCheckpoint(CommandLine line, Path file, OptionalInt fixedDim) throws UsageException,
            IOException {
        if (line.hasOption("allow-non-finite-weights")) {
            System.setProperty(Checkpoint.ALLOW_NON_FINITE, "true");
        }
        if (line.hasOption("random-init")) {
            throw new UsageException("--random-init and a checkpoint exclude each other");
        }
        if (!Files.isRegularFile(file)) {
            throw new UsageException("checkpoint " + file + ": no such file");
        }
        Map<String, Integer> flags = flagValues(line, fixedDim);
        int embeddingDim = flags.getOrDefault("embedding-dim", LipSimConfig.DEFAULT_EMBEDDING_DIM);
        LoadedCheckpoint loaded;
        try {
            loaded = Checkpoint.load(file, embeddingDim);
        } catch (IOException e) {
            throw new UsageException(e.getMessage());
        }
        LipSimConfig actual = loaded.model().config();
        List<String> conflicts = new ArrayList<>();
        flags.forEach((flag, value) -> {
            int fromFile = fieldFor(flag, actual);
            if (value != fromFile) {
                conflicts.add("--" + flag + " " + value + " (the checkpoint has " + fromFile + ")");
            }
        });
        if (line.hasOption("model-name") && !Objects.equals(requested(line, preset(line), fixedDim), actual)) {
            conflicts.add("--model-name " + line.getOptionValue("model-name") + " (the checkpoint is " + actual + ")");
        }
        if (!conflicts.isEmpty()) {
            loaded.close();
            throw new UsageException(file + " does not match " + String.join(", ", conflicts));
        }
        return loaded;
    }

    private static LipSimConfig preset(CommandLine line) throws UsageException {
        try {
            return LipSimConfig.preset(line.getOptionValue("model-name", "small"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--model-name: " + e.getMessage());
        }
    }

    /** The preset with every given architecture flag applied at once. */
    private static LipSimConfig requested(CommandLine line, LipSimConfig preset, OptionalInt fixedDim) throws UsageException {
        Map<String, Integer> flags = flagValues(line, fixedDim);
        try {
            return new LipSimConfig(flags.getOrDefault("depth", preset.depth()),
                    flags.getOrDefault("num-channels", preset.channels()),
                    flags.getOrDefault("conv-size", preset.convInner()),
                    flags.getOrDefault("depth-linear", preset.linearDepth()),
                    flags.getOrDefault("n-features", preset.linearFeatures()),
                    flags.getOrDefault("embedding-dim", preset.embeddingDim()),
                    flags.getOrDefault("image-size", preset.imageSize()));
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid model: " + e.getMessage());
        }
    }

    /** The reference's teachers and the embedding sizes they imply. */
    static final Map<String, Integer> TEACHER_DIMENSIONS = Map.of("ensemble", 1792, "dino_vitb16", 768,
            "open_clip_vitb32", 512, "clip_vitb32", 512);

    private static final List<String> ARCHITECTURE = List.of("depth", "num-channels", "conv-size", "depth-linear",
            "n-features", "embedding-dim", "image-size");

    /**
     * The architecture flags given; the embedding size comes from {@code fixedDim} when given,
     * else from {@code --teacher-model-name} as the reference maps it, else from {@code --embedding-dim}.
     */
    private static Map<String, Integer> flagValues(CommandLine line, OptionalInt fixedDim) throws UsageException {
        Map<String, Integer> values = new LinkedHashMap<>();
        if (fixedDim.isPresent()) {
            if (line.hasOption("embedding-dim") && integer(line, "embedding-dim", 0) != fixedDim.getAsInt()) {
                throw new UsageException("the teacher's embeddings have " + fixedDim.getAsInt() + " dimensions, not --embedding-dim "
                        + line.getOptionValue("embedding-dim"));
            }
            values.put("embedding-dim", fixedDim.getAsInt());
        } else if (line.hasOption("teacher-model-name")) {
            String teacher = line.getOptionValue("teacher-model-name");
            Integer dimension = TEACHER_DIMENSIONS.get(teacher);
            if (dimension == null) {
                throw new UsageException("--teacher_model_name " + teacher + " is not one of " + TEACHER_DIMENSIONS.keySet());
            }
            if (line.hasOption("embedding-dim") && integer(line, "embedding-dim", 0) != dimension) {
                throw new UsageException("--teacher_model_name " + teacher + " means --embedding-dim " + dimension + ", not "
                        + line.getOptionValue("embedding-dim"));
            }
            values.put("embedding-dim", dimension);
        }
        for (String flag : ARCHITECTURE) {
            if (line.hasOption(flag) && !values.containsKey(flag)) {
                values.put(flag, integer(line, flag, 0));
            }
        }
        return values;
    }

    private static int fieldFor(String flag, LipSimConfig config) {
        return switch (flag) {
            case "depth" -> config.depth();
            case "num-channels" -> config.channels();
            case "conv-size" -> config.convInner();
            case "depth-linear" -> config.linearDepth();
            case "n-features" -> config.linearFeatures();
            case "embedding-dim" -> config.embeddingDim();
            default -> config.imageSize();
        };
    }

    static int integer(CommandLine line, String flag, int fallback) throws UsageException {
        String value = line.getOptionValue(flag);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + flag + " expects a whole number, got '" + value + "'");
        }
    }

    private static void applyThreads(CommandLine line) throws UsageException {
        if (line.hasOption("threads")) {
            int threads = integer(line, "threads", 0);
            if (threads < 1) {
                throw new UsageException("--threads must be at least 1, got " + threads);
            }
            LibTorch.setThreads(threads);
        }
    }

    /** Applies {@code --threads} to libtorch and returns the {@code --device} to compute on. */
    static Device computeOn(CommandLine line) throws UsageException {
        applyThreads(line);
        return device(line);
    }

    private static Device device(CommandLine line) throws UsageException {
        try {
            return Device.parse(line.getOptionValue("device", "cpu")).requireAvailable();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new UsageException("--device: " + e.getMessage());
        }
    }

    /** {@code --embedding}, or {@code append-one} for the reference's {@code --requires_bias}; {@code fallback} if neither. */
    static EmbeddingMap parseEmbedding(CommandLine line, EmbeddingMap fallback) throws UsageException {
        if (line.hasOption("requires-bias")) {
            if (line.hasOption("embedding") && !line.getOptionValue("embedding").equals("append-one")) {
                throw new UsageException("--requires_bias asks for the append-one embedding, --embedding for "
                        + line.getOptionValue("embedding"));
            }
            return EmbeddingMap.APPEND_ONE;
        }
        if (!line.hasOption("embedding")) {
            return fallback;
        }
        String value = line.getOptionValue("embedding");
        try {
            return EmbeddingMap.fromLabel(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--embedding must be unit or append-one, got '" + value + "'");
        }
    }

    static EmbeddingMap parseEmbedding(CommandLine line) throws UsageException {
        return parseEmbedding(line, EmbeddingMap.UNIT);
    }
}
