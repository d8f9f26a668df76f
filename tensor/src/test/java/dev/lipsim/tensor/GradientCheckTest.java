package dev.lipsim.tensor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker itself must catch a wrong gradient. */
class GradientCheckTest {

    @Test
    void aWrongGradientIsCaught() {
        try (var scope = TensorScope.open()) {
            Tensor x = Tensor.of(new double[] {1, 2, 3}, 3);
            // d/dx (x * x) is 2x, but autograd only sees the second factor and gives x.
            AssertionError error = assertThrows(AssertionError.class, () -> GradientCheck.assertGradientsMatch(
                    xs -> xs.get(0).detach().mul(xs.get(0)), List.of(x), 1e-6, 1e-5));
            assertTrue(error.getMessage().contains("input 0"), error.getMessage());
            GradientCheck.assertGradientsMatch(xs -> xs.get(0).mul(xs.get(0)), List.of(x), 1e-6, 1e-5);
        }
    }
}
