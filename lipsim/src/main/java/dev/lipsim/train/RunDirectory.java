package dev.lipsim.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lipsim.checkpoint.Checkpoint;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.nn.optim.Optimizer;
import dev.lipsim.tensor.io.AtomicFiles;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A training run on disk: {@code config.json} (what was asked for, written once),
 * {@code metrics.jsonl} (one JSON object per step, then evaluations) and
 * {@code checkpoints/step-<N>.safetensors} (model and optimizer after N steps). Every file is
 * written to a temporary name and renamed, so a run killed at any moment leaves complete files;
 * leftovers of an interrupted write are removed when the run is opened again.
 */
public final class RunDirectory {

    public static final String CONFIG = "config.json";
    public static final String METRICS = "metrics.jsonl";
    public static final String CHECKPOINTS = "checkpoints";
    private static final Pattern CHECKPOINT = Pattern.compile("step-(\\d+)\\.safetensors");
    private static final Pattern REFERENCE_CHECKPOINT = Pattern.compile("model\\.ckpt-(\\d+)\\.pth");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A checkpoint of this run and the number of steps it holds. */
    public record Saved(Path file, long step) {}

    private final Path root;

    private RunDirectory(Path root) {
        this.root = root;
    }

    /** The run in {@code root} as seen by a process that does not write it (a data-parallel rank other than 0). */
    public static RunDirectory follow(Path root) {
        return new RunDirectory(root);
    }

    /** A new run in {@code root} (created if needed); a folder that already holds a run is refused. */
    public static RunDirectory create(Path root, String configJson) throws IOException {
        if (Files.exists(root.resolve(CONFIG))) {
            throw new IOException(root + " already holds a run (" + CONFIG + "); continue it with --resume " + root
                    + " or choose a new folder");
        }
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new IOException(root + " is not a folder");
        }
        Files.createDirectories(root.resolve(CHECKPOINTS));
        RunDirectory run = new RunDirectory(root);
        run.writeAtomically(root.resolve(CONFIG), configJson);
        return run;
    }

    /** An existing run, to resume or evaluate; removes leftovers of interrupted writes. */
    public static RunDirectory open(Path root) throws IOException {
        if (!Files.isRegularFile(root.resolve(CONFIG))) {
            throw new IOException(root + " is not a training run (no " + CONFIG + ")");
        }
        Files.createDirectories(root.resolve(CHECKPOINTS));
        for (Path folder : List.of(root, root.resolve(CHECKPOINTS))) {
            try (Stream<Path> files = Files.list(folder)) {
                for (Path partial : files.filter(f -> f.getFileName().toString().endsWith(".partial")).toList()) {
                    Files.deleteIfExists(partial);
                }
            }
        }
        return new RunDirectory(root);
    }

    public Path root() {
        return root;
    }

    /** The configuration the run was started with, as JSON text. */
    public String config() throws IOException {
        return Files.readString(root.resolve(CONFIG), StandardCharsets.UTF_8);
    }

    /** The checkpoints of this run, oldest first. */
    public List<Saved> checkpoints() throws IOException {
        return checkpoints(root, CHECKPOINT);
    }

    /**
     * The newest checkpoint in a training folder: ours ({@code checkpoints/step-N.safetensors})
     * or, where there are none, the reference's ({@code checkpoints/model.ckpt-N.pth}).
     */
    public static Optional<Path> latestIn(Path folder) throws IOException {
        for (Pattern pattern : List.of(CHECKPOINT, REFERENCE_CHECKPOINT)) {
            List<Saved> found = checkpoints(folder, pattern);
            if (!found.isEmpty()) {
                return Optional.of(found.getLast().file());
            }
        }
        return Optional.empty();
    }

    /** The step in a checkpoint's name (ours or the reference's), or -1 if the name has none. */
    /**
     * The embedding map a run in {@code folder} was trained for: a fine-tuning run's, empty for a
     * distillation run or a folder without a configuration (the reference's).
     */
    public static Optional<String> embeddingOf(Path folder) throws IOException {
        Path config = folder.resolve(CONFIG);
        if (!Files.isRegularFile(config)) {
            return Optional.empty();
        }
        String json = Files.readString(config);
        try {
            return Optional.of(FineTuneConfig.fromJson(json).embedding());
        } catch (IllegalArgumentException notFineTuning) {
            try {
                DistillConfig.fromJson(json);
                return Optional.empty();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(config + " is neither a fine-tuning nor a distillation configuration");
            }
        }
    }

    public static long stepOf(Path checkpoint) {
        String name = checkpoint.getFileName().toString();
        for (Pattern pattern : List.of(CHECKPOINT, REFERENCE_CHECKPOINT)) {
            Matcher m = pattern.matcher(name);
            if (m.matches()) {
                return Long.parseLong(m.group(1));
            }
        }
        return -1;
    }

    private static List<Saved> checkpoints(Path folder, Pattern pattern) throws IOException {
        List<Saved> saved = new ArrayList<>();
        if (!Files.isDirectory(folder.resolve(CHECKPOINTS))) {
            return saved;
        }
        try (Stream<Path> files = Files.list(folder.resolve(CHECKPOINTS))) {
            for (Path file : files.toList()) {
                Matcher m = pattern.matcher(file.getFileName().toString());
                if (m.matches()) {
                    saved.add(new Saved(file, Long.parseLong(m.group(1))));
                }
            }
        }
        saved.sort(Comparator.comparingLong(Saved::step));
        return saved;
    }

    /** The checkpoint with the most steps, if any. */
    public Optional<Saved> latestCheckpoint() throws IOException {
        List<Saved> all = checkpoints();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
    }

    /**
     * The newest checkpoint that verifies (its header, its length, the checksum written with it),
     * to resume from. Each newer one that does not is reported to {@code skipped} and, when
     * {@code setAside} (one process of a data-parallel run does it), renamed to
     * {@code NAME.damaged}: kept for inspection, never deleted, and no longer taken for a checkpoint.
     */
    public Optional<Saved> latestIntactCheckpoint(boolean setAside, Consumer<String> skipped) throws IOException {
        List<Saved> all = checkpoints();
        for (int i = all.size() - 1; i >= 0; i--) {
            Path file = all.get(i).file();
            try {
                SafeTensors.verify(file);
                return Optional.of(all.get(i));
            } catch (IOException damaged) {
                String kept = setAside ? "; kept as " + setAside(file).getFileName() : "";
                skipped.accept("skipped the damaged checkpoint " + file.getFileName() + " (" + damaged.getMessage() + ")"
                        + kept);
            }
        }
        return Optional.empty();
    }

    /** Renames a damaged checkpoint out of the way, to the first free {@code NAME.damaged[-K]}. */
    private static Path setAside(Path file) throws IOException {
        Path target = file.resolveSibling(file.getFileName() + ".damaged");
        for (int k = 2; Files.exists(target); k++) {
            target = file.resolveSibling(file.getFileName() + ".damaged-" + k);
        }
        try {
            return Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException alreadyMoved) {
            return target;
        }
    }

    /** Writes the model and optimizer after {@code step} steps, then keeps only the newest {@code keep} checkpoints. */
    public Saved saveCheckpoint(LipSimModel model, Optimizer optimizer, long step, long epoch, int keep) throws IOException {
        Path file = root.resolve(CHECKPOINTS).resolve(String.format(Locale.ROOT, "step-%08d.safetensors", step));
        Checkpoint.save(file, model, optimizer, step, epoch);
        List<Saved> all = checkpoints();
        for (int i = 0; i < all.size() - keep; i++) {
            Files.deleteIfExists(all.get(i).file());
        }
        return new Saved(file, step);
    }

    /** Appends one record to the metrics, as a line of JSON. */
    public void appendMetrics(Map<String, ?> record) {
        try {
            Files.writeString(root.resolve(METRICS), JSON.writeValueAsString(record) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + root.resolve(METRICS), e);
        }
    }

    /**
     * Drops the metric records of steps after {@code step} (and a last line cut off by a kill):
     * the resumed run writes them again.
     */
    public void truncateMetrics(long step) throws IOException {
        Path metrics = root.resolve(METRICS);
        if (!Files.exists(metrics)) {
            return;
        }
        StringBuilder kept = new StringBuilder();
        for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
            JsonNode record = parse(line);
            if (record != null && record.path("step").asLong(Long.MAX_VALUE) <= step) {
                kept.append(line).append('\n');
            }
        }
        writeAtomically(metrics, kept.toString());
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private void writeAtomically(Path file, String text) throws IOException {
        AtomicFiles.write(file, temporary -> Files.writeString(temporary, text, StandardCharsets.UTF_8));
    }
}
