package dev.lipsim.cli;

import static dev.lipsim.cli.Flags.value;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lipsim.data.ParallelLoader;
import dev.lipsim.eval.Embeddings;
import dev.lipsim.metric.LipSim;
import dev.lipsim.retrieval.EmbeddingIndex;
import dev.lipsim.model.LipSimConfig;
import dev.lipsim.teacher.Teacher;
import dev.lipsim.teacher.TeacherEmbeddings;
import dev.lipsim.train.Distillation;
import dev.lipsim.train.DistillationData;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.io.AtomicFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** {@code lipsim embed IMAGE|FOLDER...}: unit embeddings keyed by image path. */
final class EmbedCommand implements Command {

    @Override
    public String name() {
        return "embed";
    }

    @Override
    public String summary() {
        return "embed images (files or folders); --output FILE.safetensors or FILE.json, else JSON on stdout;"
                + " --teacher NAME FOLDER --output DIR precomputes distillation targets";
    }

    @Override
    public Options options() {
        Options options = new Options();
        options.addOption(value("output", "FILE",
                "where to write the embeddings (.safetensors or .json); written atomically"));
        options.addOption(value("on-error", "POLICY",
                "an unreadable image: fail (default) or skip (the report names skipped files)"));
        options.addOption(value("decode-threads", "N",
                "image decoding threads (default 2), besides libtorch's --threads"));
        options.addOption(value("teacher", "NAME",
                "embed with a teacher instead (ensemble, with --dreamsim_path DIR; or demo): both flips of every image's "
                + "centre crop, for lipsim train --teacher_model_name precomputed; --output is a new folder"));
        options.addOption(value("dreamsim-path", "DIR",
                "with --teacher ensemble: the folder DreamSim's download filled"));
        options.addOption(value("crop", "PIXELS",
                "with --teacher: the centre crop, the student's input size (default 224)"));
        ModelOptions.addTo(options);
        DataOptions.addTrainDir(options);
        return options;
    }

    @Override
    public int run(CommandLine line, PrintStream out) throws Exception {
        if (line.hasOption("teacher")) {
            return teacherTargets(line, out);
        }
        List<Path> images = ImageArguments.expand(line.getArgList());
        String output = line.getOptionValue("output");
        if (output != null && !output.endsWith(".safetensors") && !output.endsWith(".json")) {
            throw new UsageException("--output must end in .safetensors or .json, got " + output);
        }
        ParallelLoader.OnError onError = switch (line.getOptionValue("on-error", "fail")) {
            case "fail" -> ParallelLoader.OnError.FAIL;
            case "skip" -> ParallelLoader.OnError.SKIP;
            default -> throw new UsageException("--on-error must be fail or skip, got '" + line.getOptionValue("on-error") + "'");
        };
        int threads = ModelOptions.integer(line, "decode-threads", 2);
        if (threads < 1) {
            throw new UsageException("--decode-threads must be at least 1, got " + threads);
        }
        try (LipSim metric = EvaluationOptions.open(line);
                Embeddings result = embed(metric, images, threads, onError)) {
            Map<String, Tensor> embeddings = new LinkedHashMap<>();
            result.embeddings().forEach((file, row) -> embeddings.put(file.toString(), row));
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("images", embeddings.size());
            report.put("skipped", result.skipped());
            if (output == null) {
                report.put("embeddings", asJson(embeddings));
            } else if (output.endsWith(".safetensors")) {
                EmbeddingIndex.write(Path.of(output), metric, embeddings);
                report.put("output", output);
            } else {
                writeJsonAtomically(Path.of(output), asJson(embeddings));
                report.put("output", output);
            }
            Json.print(report, out);
        }
        return Main.OK;
    }

    /** {@code --teacher NAME FOLDER --output DIR}: a teacher's targets for distillation on FOLDER. */
    private static int teacherTargets(CommandLine line, PrintStream out) throws Exception {
        if (line.getArgList().size() != 1 || !Files.isDirectory(Path.of(line.getArgList().getFirst()))) {
            throw new UsageException("--teacher embeds one image folder (the one lipsim train will read), got "
                    + line.getArgList());
        }
        if (!line.hasOption("output")) {
            throw new UsageException("--teacher needs --output DIR, a new or empty folder for the embedding shards");
        }
        Path folder = Path.of(line.getArgList().getFirst());
        String name = line.getOptionValue("teacher");
        if (name.equals("precomputed")) {
            throw new UsageException("--teacher precomputed only reads embeddings; embed with ensemble or demo");
        }
        Teacher teacher;
        try {
            teacher = Distillation.openTeacher(name, TrainCommand.teacherPath(line, name));
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        int crop = DataOptions.positive(line, "crop", LipSimConfig.DEFAULT_IMAGE_SIZE);
        int threads = DataOptions.positive(line, "decode-threads", 2);
        ModelOptions.computeOn(line);
        TeacherEmbeddings.Written written;
        try (teacher) {
            written = TeacherEmbeddings.write(teacher, DistillationData.keyRoot(folder), DistillationData.images(folder), crop,
                    Path.of(line.getOptionValue("output")), threads);
        } catch (IOException e) {
            throw new UsageException(e.getMessage());
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("teacher", teacher.name());
        report.put("dimension", teacher.dimension());
        report.put("images", written.images());
        report.put("views", written.views());
        report.put("shards", written.shards());
        report.put("output", written.folder().toString());
        Json.print(report, out);
        return Main.OK;
    }

    private static Embeddings embed(LipSim metric, List<Path> images, int threads, ParallelLoader.OnError onError)
            throws UsageException {
        try {
            return Embeddings.of(metric, images, threads, onError);
        } catch (ParallelLoader.LoadFailure e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static Map<String, float[]> asJson(Map<String, Tensor> embeddings) {
        Map<String, float[]> values = new LinkedHashMap<>();
        embeddings.forEach((path, tensor) -> values.put(path, tensor.toFloatArray()));
        return values;
    }

    private static void writeJsonAtomically(Path file, Object value) throws IOException {
        AtomicFiles.write(file, temporary -> new ObjectMapper().writeValue(temporary.toFile(), value));
    }
}
