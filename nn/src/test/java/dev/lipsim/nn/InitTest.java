package dev.lipsim.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** Each initialiser's spread against its formula, on large tensors. */
class InitTest {

    private static Tensor empty(long... shape) {
        return Tensor.empty(shape, DType.FLOAT64, Device.CPU);
    }

    @Test
    void fans() {
        try (var scope = TensorScope.open()) {
            Tensor conv = empty(16, 8, 3, 3);
            assertEquals(72, Init.fanIn(conv));
            assertEquals(144, Init.fanOut(conv));
            assertThrows(IllegalArgumentException.class, () -> Init.fanIn(empty(5)));
        }
    }

    @Test
    void spreadsMatchTheFormulas() {
        try (var scope = TensorScope.open()) {
            long[] shape = {300, 200, 3, 3};
            double fanIn = 200 * 9;
            double fanOut = 300 * 9;
            assertStd(Math.sqrt(2 / (fanIn + fanOut)), Init.xavierNormal(empty(shape), 1, new Generator(1)));
            assertStd(Math.sqrt(6 / (fanIn + fanOut)) / Math.sqrt(3), Init.xavierUniform(empty(shape), 1, new Generator(2)));
            assertStd(Math.sqrt(2) / Math.sqrt(fanIn), Init.kaimingNormal(empty(shape), 0, new Generator(3)));
            double bound = Math.sqrt(2.0 / 6) * Math.sqrt(3 / fanIn);
            Tensor kaiming = Init.kaimingUniform(empty(shape), Math.sqrt(5), new Generator(4));
            assertEquals(bound, kaiming.abs().max().item(), bound * 1e-3);
            assertEquals(1 / Math.sqrt(fanIn), bound, 1e-12, "a = sqrt(5) gives PyTorch's 1/sqrt(fan_in)");
            Tensor uniform = Init.uniform(empty(1000, 100), -2, 3, new Generator(5));
            assertTrue(uniform.min().item() >= -2 && uniform.max().item() < 3);
            assertEquals(0.5, uniform.mean().item(), 0.05);
            Tensor normal = Init.normal(empty(1000, 100), 1, 2, new Generator(6));
            assertEquals(1, normal.mean().item(), 0.03);
            assertStd(2, normal.sub(1.0));
            assertEquals(0, Init.zeros(normal).abs().sum().item());
            assertArrayEquals(Init.normal(empty(10, 10), 0, 1, new Generator(7)).toDoubleArray(),
                    Init.normal(empty(10, 10), 0, 1, new Generator(7)).toDoubleArray(), "seeded");
        }
    }

    private static void assertStd(double expected, Tensor values) {
        double rms = values.square().mean().sqrt().item();
        assertEquals(expected, rms, expected * 0.02);
    }
}
