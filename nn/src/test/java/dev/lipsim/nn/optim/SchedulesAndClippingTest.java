package dev.lipsim.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lipsim.nn.Module;
import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulesAndClippingTest {

    @Test
    void warmupThenCosine() {
        LearningRateSchedule schedule = LearningRateSchedule.warmupCosine(0.01, 100, 1100);
        assertEquals(0, schedule.at(0));
        assertEquals(0.005, schedule.at(50), 1e-15);
        assertEquals(0.01, schedule.at(100), 1e-15);
        assertEquals(0.005, schedule.at(600), 1e-15, "half-way through the cosine");
        assertEquals(0.01 * 0.5 * (1 + Math.cos(Math.PI * 0.25)), schedule.at(350), 1e-15);
        assertEquals(0, schedule.at(1100), 1e-15);
        assertEquals(0, schedule.at(5000), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.warmupCosine(0.1, 10, 10));
    }

    @Test
    void triangularThroughItsFourPoints() {
        LearningRateSchedule schedule = LearningRateSchedule.triangular(0.01, 1000);
        assertEquals(0, schedule.at(0));
        assertEquals(0.005, schedule.at(200), 1e-15);
        assertEquals(0.01, schedule.at(400), 1e-15);
        assertEquals((0.01 + 0.0005) / 2, schedule.at(600), 1e-15);
        assertEquals(0.0005, schedule.at(800), 1e-15);
        assertEquals(0.00025, schedule.at(900), 1e-15);
        assertEquals(0, schedule.at(1000), 1e-15);
    }

    @Test
    void multiStep() {
        LearningRateSchedule schedule = LearningRateSchedule.multiStep(1, new long[] {10, 20}, 0.1);
        assertEquals(1, schedule.at(9));
        assertEquals(0.1, schedule.at(10), 1e-15);
        assertEquals(0.01, schedule.at(25), 1e-15);
    }

    static final class Pair extends Module {
        final Parameter a = parameter("a", Tensor.of(new double[] {1, 1}, 2));
        final Parameter b = parameter("b", Tensor.of(new double[] {1}, 1));

        @Override
        protected Tensor compute(Tensor input) {
            return a.value().mul(Tensor.of(new double[] {3, 0}, 2)).sum().add(b.value().mul(4.0).sum());
        }
    }

    @Test
    void clipByNormAndByValue() {
        try (Pair pair = new Pair(); var scope = TensorScope.open()) {
            pair.forward(null).backward();
            // gradients (3, 0) and (4): joint norm 5
            double norm = GradientClipping.clipNorm(pair.parameters(), 2.5);
            assertEquals(5, norm, 1e-12);
            double scale = 2.5 / (5 + 1e-6);
            assertArrayEquals(new double[] {3 * scale, 0}, pair.a.grad().toDoubleArray(), 1e-12);
            assertArrayEquals(new double[] {4 * scale}, pair.b.grad().toDoubleArray(), 1e-12);
            assertEquals(2.5, GradientClipping.clipNorm(pair.parameters(), 10), 1e-5, "no clipping below the limit");
            assertArrayEquals(new double[] {4 * scale}, pair.b.grad().toDoubleArray(), 1e-12);
            GradientClipping.clipValue(pair.parameters(), 1);
            assertArrayEquals(new double[] {1, 0}, pair.a.grad().toDoubleArray());
            assertArrayEquals(new double[] {1}, pair.b.grad().toDoubleArray());
        }
        assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(), 0.1));
    }
}
