package dev.lipsim.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;
import org.junit.jupiter.api.Test;

class LipSimModelTest {

    @Test
    void presetsMatchTheReferenceTable() {
        assertEquals(new LipSimConfig(20, 45, 5, 7, 1024, 1792, 224), LipSimConfig.preset("small"));
        assertEquals(new LipSimConfig(30, 60, 5, 10, 2048, 1792, 224), LipSimConfig.preset("medium"));
        assertEquals(new LipSimConfig(50, 90, 5, 10, 2048, 1792, 224), LipSimConfig.preset("large"));
        assertEquals(new LipSimConfig(70, 120, 5, 15, 2048, 1792, 224), LipSimConfig.preset("xlarge"));
        assertEquals(List.of(8820, 11760, 17640, 23520),
                LipSimConfig.PRESETS.stream().map(p -> LipSimConfig.preset(p).flattened()).toList());
        var unknown = assertThrows(IllegalArgumentException.class, () -> LipSimConfig.preset("huge"));
        assertTrue(unknown.getMessage().contains("huge"));
        assertThrows(IllegalArgumentException.class, () -> LipSimConfig.preset("small").withImageSize(100));
        LipSimConfig config = LipSimConfig.preset("medium").withEmbeddingDim(768);
        assertEquals(config, LipSimConfig.fromJson(config.toJson()));
    }

    @Test
    void everyPresetRunsAtAReducedImageSize() {
        for (String preset : LipSimConfig.PRESETS) {
            LipSimConfig config = LipSimConfig.preset(preset).withEmbeddingDim(64).withImageSize(32).withLinearDepth(1)
                    .withLinearFeatures(32).withDepth(2);
            try (var scope = TensorScope.open(); LipSimModel model = new LipSimModel(config, new Generator(1))) {
                Tensor features = model.forward(Tensor.rand(2, 3, 32, 32));
                assertArrayEquals(new long[] {2, 64}, features.shape(), preset);
            }
        }
        try (var scope = TensorScope.open(); LipSimModel model = new LipSimModel(
                LipSimConfig.preset("small").withEmbeddingDim(64).withImageSize(32), new Generator(1))) {
            var error = assertThrows(IllegalArgumentException.class, () -> model.forward(Tensor.rand(1, 3, 64, 64)));
            assertTrue(error.getMessage().contains("[N, 3, 32, 32]"), error.getMessage());
        }
    }

    @Test
    void smallHasAbout63MillionParameters() {
        LipSimConfig small = LipSimConfig.preset("small");
        long convs = 20L * (5 * 45 * 9 + 5 + 5);
        long linear = 7L * (1024L * 8820 + 1024 + 1024);
        try (var scope = TensorScope.open(); LipSimModel model = new LipSimModel(small.withEmbeddingDim(64).withImageSize(32),
                new Generator(0))) {
            // At 32 pixels only the linear inputs shrink (8820 -> 180); the rest is as at 224.
            assertEquals(convs + 7L * (1024L * 180 + 2048), model.parameterCount());
            assertEquals(model.parameterCount(), model.config().parameterCount(), "the config's formula, used before building");
        }
        assertEquals(convs + linear, small.parameterCount());
        assertEquals(63.3e6, convs + linear, 0.05e6, "the published size of 'small'");
        assertEquals(List.of("convs.0.kernel", "convs.0.bias", "convs.0.q"),
                List.copyOf(new LipSimModel(small.withEmbeddingDim(8).withImageSize(32).withDepth(1).withLinearDepth(1)
                        .withLinearFeatures(4), new Generator(0)).stateDict().keySet()).subList(0, 3));
    }

    @Test
    void embeddingsAreUnitAndDistancesAreOneMinusCosine() {
        try (var scope = TensorScope.open()) {
            Tensor features = Tensor.of(new double[] {3, 4, 0, 2}, 2, 2);
            Tensor unit = EmbeddingMap.UNIT.apply(features);
            assertArrayEquals(new double[] {0.6, 0.8, 0, 1}, unit.toDoubleArray(), 1e-12);
            Tensor appended = EmbeddingMap.APPEND_ONE.apply(features);
            assertArrayEquals(new long[] {2, 3}, appended.shape());
            assertArrayEquals(new double[] {1, 1}, appended.norm(new int[] {1}, false).toDoubleArray(), 1e-12);
            assertArrayEquals(new double[] {3 / Math.sqrt(26), 4 / Math.sqrt(26), 1 / Math.sqrt(26)},
                    appended.select(0, 0).toDoubleArray(), 1e-12);
            Tensor a = Tensor.of(new double[] {1, 0, 1, 0, 1, 0}, 3, 2);
            Tensor b = Tensor.of(new double[] {1, 0, 0, 1, -1, 0}, 3, 2);
            assertArrayEquals(new double[] {0, 1, 2}, EmbeddingMap.distance(a, b).toDoubleArray(), 1e-12);
        }
    }
}
