package dev.lipsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lipsim.metric.LipSim;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
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

    private static final int BATCH = 16;

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
        try (LipSim metric = ModelOptions.open(line); var scope = TensorScope.open()) {
            Map<String, Tensor> embeddings = new LinkedHashMap<>();
            for (int start = 0; start < images.size(); start += BATCH) {
                List<Path> batch = images.subList(start, Math.min(images.size(), start + BATCH));
                Tensor rows = metric.embed(batch);
                for (int i = 0; i < batch.size(); i++) {
                    embeddings.put(batch.get(i).toString(), rows.select(0, i));
                }
            }
            if (output == null) {
                Json.print(asJson(embeddings), out);
            } else if (output.endsWith(".safetensors")) {
                SafeTensors.write(Path.of(output), embeddings, Map.of("lipsim.config", metric.model().config().toJson(),
                        "lipsim.embedding", metric.embeddingMap().name().toLowerCase(Locale.ROOT)));
                Json.print(Map.of("images", images.size(), "output", output), out);
            } else {
                writeJsonAtomically(Path.of(output), asJson(embeddings));
                Json.print(Map.of("images", images.size(), "output", output), out);
            }
        }
        return Main.OK;
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
