package dev.lipsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lipsim.data.ParallelLoader;
import dev.lipsim.eval.Embeddings;
import dev.lipsim.metric.LipSim;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code lipsim embed IMAGE|FOLDER...}: unit embeddings keyed by image path. */
final class EmbedCommand implements Command {

    @Override
    public String name() {
        return "embed";
    }

    @Override
    public String summary() {
        return "embed images (files or folders); --output FILE.safetensors or FILE.json, else JSON on stdout";
    }

    @Override
    public Options options() {
        Options options = new Options();
        options.addOption(Option.builder().longOpt("output").hasArg().argName("FILE")
                .desc("where to write the embeddings (.safetensors or .json); written atomically").build());
        options.addOption(Option.builder().longOpt("on-error").hasArg().argName("POLICY")
                .desc("an unreadable image: fail (default) or skip (the report names skipped files)").build());
        options.addOption(Option.builder().longOpt("decode-threads").hasArg().argName("N")
                .desc("image decoding threads (default 2), besides libtorch's --threads").build());
        ModelOptions.addTo(options);
        return options;
    }

    @Override
    public int run(CommandLine line, PrintStream out) throws Exception {
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
        try (LipSim metric = ModelOptions.open(line);
                Embeddings result = embed(metric, images, threads, onError)) {
            Map<String, Tensor> embeddings = new LinkedHashMap<>();
            result.embeddings().forEach((file, row) -> embeddings.put(file.toString(), row));
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("images", embeddings.size());
            report.put("skipped", result.skipped());
            if (output == null) {
                report.put("embeddings", asJson(embeddings));
            } else if (output.endsWith(".safetensors")) {
                SafeTensors.write(Path.of(output), embeddings, Map.of("lipsim.config", metric.model().config().toJson(),
                        "lipsim.embedding", metric.embeddingMap().name().toLowerCase(Locale.ROOT)));
                report.put("output", output);
            } else {
                writeJsonAtomically(Path.of(output), asJson(embeddings));
                report.put("output", output);
            }
            Json.print(report, out);
        }
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
        Path target = file.toAbsolutePath();
        Path temporary = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".partial");
        try {
            new ObjectMapper().writeValue(temporary.toFile(), value);
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
