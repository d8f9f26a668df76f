package dev.lipsim.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimConfig;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.nn.optim.Adam;
import dev.lipsim.nn.optim.Optimizer;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    private static final Path PTH = Path.of("src/test/resources/fixtures/model.ckpt-1234.pth");
    private static final Path EXPECTED = Path.of("src/test/resources/fixtures/model.ckpt-1234.expected.safetensors");

    @TempDir
    Path work;

    @Test
    void importsTheReferenceCheckpointKeyByKeyAndValueByValue() throws IOException {
        try (var scope = TensorScope.open()) {
            LoadedCheckpoint loaded = ReferenceCheckpoint.load(PTH, 10);
            Map<String, Tensor> expected = SafeTensors.read(EXPECTED).tensors();
            LipSimModel model = loaded.model();
            assertEquals(new LipSimConfig(2, 4, 3, 2, 8, 10, 32), model.config());
            assertEquals(1234, loaded.step());
            assertEquals(3, loaded.epoch());
            Map<String, Tensor> state = model.stateDict();
            assertEquals(12, state.size());
            for (var entry : state.entrySet()) {
                Tensor reference = expected.get("state.module.model." + entry.getKey());
                assertArrayEquals(reference.shape(), entry.getValue().shape(), entry.getKey());
                assertArrayEquals(reference.toDoubleArray(), entry.getValue().toDoubleArray(), 0.0, entry.getKey());
            }
            assertEquals(36, loaded.optimizerState().size(), "step, exp_avg, exp_avg_sq for 12 parameters");
            for (int i = 0; i < 12; i++) {
                for (String name : List.of("exp_avg", "exp_avg_sq", "step")) {
                    assertArrayEquals(expected.get("optimizer." + i + "." + name).toDoubleArray(),
                            loaded.optimizerState().get(i + "." + name).toDoubleArray(), 0.0, i + "." + name);
                }
            }
            // The Java model computes what the reference network computed for the same images.
            assertArrayEquals(expected.get("features").toDoubleArray(), model.forward(expected.get("images")).toDoubleArray(),
                    1e-5);
            loaded.optimizerState().values().forEach(Tensor::close);
            model.close();
        }
    }

    @Test
    void aReferenceStateDictSavedAsBareSafetensorsLoadsLikeThePth() throws IOException {
        Path bare = work.resolve("converted.safetensors");
        try (var scope = TensorScope.open()) {
            Map<String, Tensor> expected = SafeTensors.read(EXPECTED).tensors();
            Map<String, Tensor> stateDict = new java.util.LinkedHashMap<>(); // as save_file(checkpoint["model_state_dict"])
            expected.forEach((key, value) -> {
                if (key.startsWith("state.")) {
                    stateDict.put(key.substring("state.".length()), value);
                }
            });
            assertTrue(stateDict.keySet().stream().allMatch(key -> key.startsWith("module.")), "the DDP wrapper is kept");
            SafeTensors.write(bare, stateDict, Map.of());
            LoadedCheckpoint loaded = Checkpoint.load(bare, 10);
            assertEquals(new LipSimConfig(2, 4, 3, 2, 8, 10, 32), loaded.model().config());
            assertArrayEquals(expected.get("features").toDoubleArray(), loaded.model().forward(expected.get("images"))
                    .toDoubleArray(), 1e-5, "what the reference network computed");
            loaded.model().close();
        }
    }

    @Test
    void ourFormatRoundTripsModelOptimizerAndConfig() throws IOException {
        Path file = work.resolve("model.safetensors");
        LipSimConfig config = new LipSimConfig(1, 4, 2, 1, 6, 5, 32);
        try (var scope = TensorScope.open(); LipSimModel model = new LipSimModel(config, new Generator(3));
                Optimizer optimizer = Adam.adam(model.parameters(), 0.01, 0.5, 0.9, 1e-8, 0)) {
            Tensor images = Tensor.rand(2, 3, 32, 32);
            model.forward(images).square().sum().backward();
            optimizer.step();
            Checkpoint.save(file, model, optimizer, 77, 2);
            LoadedCheckpoint loaded = Checkpoint.load(file, 0);
            assertEquals(config, loaded.model().config());
            assertEquals(77, loaded.step());
            assertEquals(2, loaded.epoch());
            assertArrayEquals(model.forward(images).toDoubleArray(), loaded.model().forward(images).toDoubleArray(), 0.0);
            assertEquals(optimizer.stateDict().keySet(), loaded.optimizerState().keySet());
            loaded.model().close();
        }
    }

    @Test
    void badCheckpointsAreClearErrors() throws IOException {
        Path text = Files.writeString(work.resolve("model.ckpt"), "hello");
        assertTrue(assertThrows(IOException.class, () -> Checkpoint.load(text, 10)).getMessage().contains("unknown checkpoint type"));
        Path plain = work.resolve("plain.safetensors");
        try (var scope = TensorScope.open()) {
            SafeTensors.write(plain, Map.of("x", Tensor.ones(1)), Map.of());
        }
        assertTrue(assertThrows(IOException.class, () -> Checkpoint.load(plain, 10)).getMessage()
                .contains("does not hold a LipSim model: no convs.0.kernel or linear.1.weight among its 1 keys (x)"));
        Path notZip = Files.writeString(work.resolve("broken.pth"), "not a zip");
        IOException broken = assertThrows(IOException.class, () -> Checkpoint.load(notZip, 10));
        assertTrue(broken.getMessage() != null);
        var tooBig = assertThrows(IOException.class, () -> ReferenceCheckpoint.load(PTH, 17));
        assertTrue(tooBig.getMessage().contains("embeddingDim 17 exceeds the 16 features"), tooBig.getMessage());
    }

    @Test
    void weightsThatAreNotFiniteAreRefusedNamingTheTensor() throws IOException {
        Path file = work.resolve("nan.safetensors");
        try (var scope = TensorScope.open(); var model = new LipSimModel(new LipSimConfig(1, 4, 2, 1, 8, 4, 16), new Generator(0))) {
            try (var noGrad = Autograd.noGrad()) {
                model.stateDict().get("linear.1.weight").narrow(0, 0, 1).fill_(Double.NaN);
            }
            Checkpoint.save(file, model, null, 0, 0);
        }
        var refused = assertThrows(IOException.class, () -> Checkpoint.load(file, 4));
        assertTrue(refused.getMessage().contains("'model.linear.1.weight' hold NaN or infinite values")
                || refused.getMessage().contains("'linear.1.weight' hold NaN or infinite values"), refused.getMessage());
        System.setProperty(Checkpoint.ALLOW_NON_FINITE, "true");
        try (var scope = TensorScope.open();
                var metric = new LipSim(Checkpoint.load(file, 4).model(), EmbeddingMap.UNIT, Device.CPU)) {
            var error = assertThrows(ArithmeticException.class, () -> metric.embeddings(Tensor.rand(2, 3, 16, 16)));
            assertTrue(error.getMessage().contains("NaN or infinite for 2 of 2 images"), error.getMessage());
        } finally {
            System.clearProperty(Checkpoint.ALLOW_NON_FINITE);
        }
    }
}
