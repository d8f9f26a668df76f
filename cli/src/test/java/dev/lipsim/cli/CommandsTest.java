package dev.lipsim.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lipsim command end to end on a generated dataset and a small random model. */
class CommandsTest {

    private static final String[] SMALL_MODEL = {"--random-init", "--depth", "1", "--num_channels", "4", "--conv_size", "2",
        "--depth_linear", "1", "--n_features", "8", "--image-size", "32", "--embedding-dim", "12", "--seed", "3"};
    private static final Path PTH = Path.of("../lipsim/src/test/resources/fixtures/model.ckpt-1234.pth");

    @TempDir
    static Path work;

    private static Path data;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void synthesize() {
        data = work.resolve("synth");
        int exit = new Main(List.of(new SynthCommand())).run(new String[] {"synth", "--output", data.toString(), "--count",
            "6", "--size", "40", "--seed", "2"}, new PrintStream(new ByteArrayOutputStream()), System.err);
        assertEquals(0, exit);
    }

    private int run(String... args) {
        out.reset();
        err.reset();
        return new Main(List.of(new InfoCommand(), new EmbedCommand(), new DistanceCommand(), new SynthCommand()))
                .run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String[] with(String[] base, String... more) {
        List<String> all = new ArrayList<>(List.of(base));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private JsonNode json() throws Exception {
        return new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void absurdInputsGetOneLineErrorsThatNameThem() throws Exception {
        String ref = data.resolve("ref/000/0.png").toString();
        assertEquals(2, run(with(new String[] {"distance", ref, ref, "--depth", "2"}, SMALL_MODEL)));
        assertTrue(err.toString().contains("--depth is given more than once, with different values: 2, 1"), err.toString());
        assertEquals(2, run("synth", "--output", work.resolve("big").toString(), "--size", "100000"));
        assertTrue(err.toString().contains("images of 8 to 4096 pixels, got 1000 triplets of 100000 pixels"), err.toString());
        Path file = Files.writeString(work.resolve("a-file"), "x");
        assertEquals(2, run("synth", "--output", file.toString()));
        assertTrue(err.toString().contains(file + " is a file, not a folder"), err.toString());
        assertEquals(1, run(with(new String[] {"embed", ref, "--output", work.resolve("absent/x.safetensors").toString()},
                SMALL_MODEL)));
        assertTrue(err.toString().contains("the folder " + work.resolve("absent") + " does not exist"), err.toString());
        String[] hugeImages = SMALL_MODEL.clone();
        hugeImages[List.of(SMALL_MODEL).indexOf("--image-size") + 1] = "2147483632";
        assertEquals(2, run(with(new String[] {"distance", ref, ref}, hugeImages)));
        assertTrue(err.toString().contains("more than a tensor dimension here can hold") && !err.toString().contains("-"
                + "2147"), err.toString());
        Path notZip = Files.writeString(work.resolve("model.ckpt-1.pth"), "not a zip");
        assertEquals(2, run("distance", ref, ref, "--checkpoint", notZip.toString()));
        assertTrue(err.toString().contains(notZip + " is not a PyTorch checkpoint"), err.toString());
        assertEquals(0, run(with(new String[] {"distance", ref, ref}, SMALL_MODEL)));
        assertTrue(json().get("distance").asDouble() >= 0, "never a negative distance");
        assertEquals(2, run(with(new String[] {"distance", ref, work.toString()}, SMALL_MODEL)));
        assertTrue(err.toString().contains("image " + work + " is a folder, not a file"), err.toString());
        assertEquals(2, run(with(new String[] {"distance", ref, "/dev/zero"}, SMALL_MODEL)));
        assertTrue(err.toString().contains("image /dev/zero is not a regular file"), err.toString());
        Path loop = work.resolve("loop.png");
        Files.createSymbolicLink(loop, loop);
        assertEquals(2, run(with(new String[] {"embed", loop.toString()}, SMALL_MODEL)));
        assertTrue(err.toString().contains("is a symbolic link that leads nowhere"), err.toString());
        Path broken = Files.writeString(work.resolve("broken.png"), "not an image");
        assertEquals(2, run(with(new String[] {"distance", ref, broken.toString()}, SMALL_MODEL)));
        assertEquals(2, run(with(new String[] {"embed", broken.toString()}, SMALL_MODEL)), "the same exit code as distance");
        String[] deep = SMALL_MODEL.clone();
        deep[List.of(SMALL_MODEL).indexOf("--depth") + 1] = "100000000";
        assertEquals(2, run(with(new String[] {"distance", ref, ref}, deep)));
        assertTrue(err.toString().contains("GB for its parameters alone"), err.toString());
    }

    @Test
    void synthWroteTheNightLayout() {
        assertTrue(Files.isRegularFile(data.resolve("data.csv")));
        assertTrue(Files.isRegularFile(data.resolve("ref/000/0.png")));
        assertTrue(Files.isRegularFile(data.resolve("distort/000/5_1.png")));
    }

    @Test
    void distanceIsZeroForAnImageWithItselfAndSymmetric() throws Exception {
        String ref = data.resolve("ref/000/0.png").toString();
        String other = data.resolve("distort/000/0_0.png").toString();
        assertEquals(0, run(with(new String[] {"distance", ref, ref}, SMALL_MODEL)), err.toString());
        assertEquals(0, json().get("distance").asDouble(), 1e-6);
        assertEquals(0, run(with(new String[] {"distance", ref, other}, SMALL_MODEL)));
        double forward = json().get("distance").asDouble();
        assertEquals(0, run(with(new String[] {"distance", other, ref}, SMALL_MODEL)));
        assertEquals(forward, json().get("distance").asDouble(), 1e-6);
        assertEquals("unit", json().get("embedding").asText());
        JsonNode bound = json().get("bound");
        assertEquals(1.0, bound.get("distanceChangePerUnitPerturbation").asDouble());
        double norm = bound.get("featureNorms").get(0).asDouble();
        assertEquals(Math.max(0, norm - 1), bound.get("certifiedRadius").get(0).asDouble(), 1e-9);
        assertEquals(0, run(with(new String[] {"distance", ref, other, "--embedding", "append-one"}, SMALL_MODEL)));
        JsonNode anyDelta = json().get("bound");
        assertTrue(anyDelta.get("statement").asText().contains("for any delta"), anyDelta.toString());
        assertTrue(anyDelta.get("certifiedRadius") == null, "no radius where the bound has no limit");
    }

    @Test
    void embedWritesSafetensorsAndJsonKeyedByPath() throws Exception {
        Path safetensors = work.resolve("embeddings.safetensors");
        assertEquals(0, run(with(new String[] {"embed", data.resolve("ref").toString(), "--output", safetensors.toString()},
                SMALL_MODEL)), err.toString());
        assertEquals(6, json().get("images").asInt());
        Path json = work.resolve("embeddings.json");
        assertEquals(0, run(with(new String[] {"embed", data.resolve("ref").toString(), "--output", json.toString()},
                SMALL_MODEL)));
        JsonNode fromJson = new ObjectMapper().readTree(json.toFile());
        try (var scope = TensorScope.open()) {
            Map<String, Tensor> fromSafetensors = SafeTensors.read(safetensors).tensors();
            assertEquals(6, fromSafetensors.size());
            String key = data.resolve("ref/000/3.png").toString();
            float[] vector = fromSafetensors.get(key).toFloatArray();
            assertEquals(12, vector.length);
            float[] jsonVector = new float[vector.length];
            for (int i = 0; i < vector.length; i++) {
                jsonVector[i] = (float) fromJson.get(key).get(i).asDouble();
            }
            assertArrayEquals(vector, jsonVector);
        }
        Path broken = Files.writeString(work.resolve("broken.png"), "not a picture");
        String good = data.resolve("ref/000/0.png").toString();
        assertEquals(2, run(with(new String[] {"embed", good, broken.toString()}, SMALL_MODEL)));
        assertTrue(err.toString().contains("broken.png"), err.toString());
        assertEquals(0, run(with(new String[] {"embed", good, broken.toString(), "--on-error", "skip"}, SMALL_MODEL)));
        assertEquals(1, json().get("images").asInt());
        assertTrue(json().get("skipped").get(0).asText().contains("broken.png"));
        try (var scope = TensorScope.open()) {
            float[] vector = SafeTensors.read(safetensors).tensors().get(data.resolve("ref/000/3.png").toString()).toFloatArray();
            double norm = 0;
            for (float v : vector) {
                norm += v * v;
            }
            assertEquals(1, norm, 1e-5, "unit embeddings");
        }
    }

    @Test
    void referenceCheckpointWorksAndConflictingFlagsAreNamed() throws Exception {
        String ref = data.resolve("ref/000/0.png").toString();
        assertEquals(0, run("distance", ref, ref, "--checkpoint", PTH.toString(), "--embedding-dim", "10"), err.toString());
        assertEquals(2, run("distance", ref, ref, "--checkpoint", PTH.toString(), "--embedding-dim", "10", "--depth", "5"));
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.contains("--depth 5 (the checkpoint has 2)"), message);
        assertEquals(1, message.lines().count());
    }

    @Test
    void badInputGetsOneLineAndExitCodeTwo() {
        String ref = data.resolve("ref/000/0.png").toString();
        assertEquals(2, run("distance", ref, ref));
        assertTrue(err.toString().contains("--random-init"));
        assertEquals(2, run(with(new String[] {"distance", ref}, SMALL_MODEL)));
        assertTrue(err.toString().contains("expected two images"));
        assertEquals(2, run(with(new String[] {"distance", ref, "missing.png"}, SMALL_MODEL)));
        assertTrue(err.toString().contains("image missing.png does not exist"), err.toString());
        assertEquals(2, run(with(new String[] {"embed", ref, "--output", "out.txt"}, SMALL_MODEL)));
        assertTrue(err.toString().contains(".safetensors or .json"));
        assertEquals(2, run("distance", ref, ref, "--random-init", "--image-size", "30"));
        assertTrue(err.toString().contains("multiple of 16"), err.toString());
        assertEquals(2, run("distance", ref, ref, "--checkpoint", "nope.pth"));
        assertTrue(err.toString().contains("nope.pth: no such file"));
        assertEquals(2, run("distance", ref, ref, "--random-init", "--depth", "two"));
        assertTrue(err.toString().contains("--depth expects a whole number, got 'two'"));
        assertEquals(2, run(with(new String[] {"distance", ref, ref, "--threads", "0"}, SMALL_MODEL)));
        assertTrue(err.toString().contains("--threads must be at least 1, got 0"), err.toString());
        assertEquals(2, run(with(new String[] {"embed", ref, "--decode-threads", "0"}, SMALL_MODEL)));
        assertTrue(err.toString().contains("--decode-threads must be at least 1, got 0"), err.toString());
        assertEquals(2, run("synth", "--output", data.toString()));
        assertTrue(err.toString().contains("not empty"), err.toString());
        assertEquals(2, run("synth"));
        assertTrue(err.toString().contains("Missing required option: output"), err.toString());
        for (String command : List.of("embed", "distance", "synth", "info")) {
            assertEquals(0, run(command, "--help"));
            assertTrue(out.toString().contains("usage: lipsim " + command), command);
        }
    }
}
