package dev.lipsim.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import org.junit.jupiter.api.Test;

class LossesTest {

    @Test
    void hingeSumsTheMarginViolationsAndDifferentiatesThem() {
        try (var scope = TensorScope.open()) {
            Tensor logits = Tensor.of(new double[] {0.5, -0.1, 0.05, -0.3}, 4).requiresGrad(true);
            Tensor signs = Tensor.of(new double[] {1, 1, -1, -1}, 4);
            // max(0, 0.2 - 0.5) + max(0, 0.2 + 0.1) + max(0, 0.2 + 0.05) + max(0, 0.2 - 0.3) = 0 + 0.3 + 0.25 + 0
            Tensor loss = Losses.hinge(logits, signs, 0.2);
            assertEquals(0.55, loss.item(), 1e-12);
            loss.backward();
            // d/dlogit is -sign where the margin is violated, else 0.
            assertArrayEquals(new double[] {0, -1, 1, 0}, logits.grad().toDoubleArray(), 1e-12);
        }
    }

    @Test
    void rmseAndItsGradient() {
        try (var scope = TensorScope.open()) {
            Tensor a = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2).requiresGrad(true);
            Tensor b = Tensor.of(new double[] {1, 0, 3, 0}, 2, 2);
            // errors 0, 2, 0, 4: mean square 5, rmse sqrt(5); d/da_i = (a_i - b_i) / (n rmse)
            Tensor loss = Losses.rmse(a, b);
            assertEquals(Math.sqrt(5), loss.item(), 1e-12);
            loss.backward();
            double s = 4 * Math.sqrt(5);
            assertArrayEquals(new double[] {0, 2 / s, 0, 4 / s}, a.grad().toDoubleArray(), 1e-12);
        }
    }

    @Test
    void shapesMustMatch() {
        try (var scope = TensorScope.open()) {
            var e = assertThrows(IllegalArgumentException.class, () -> Losses.hinge(Tensor.zeros(3), Tensor.zeros(4), 0.1));
            assertEquals("hinge needs two tensors of the same shape, got [3] and [4]", e.getMessage());
        }
    }
}
