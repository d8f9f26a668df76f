package dev.lipsim.nn;

import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;

/**
 * Projections of perturbations {@code [N, ...]} (one per sample along the first dimension) onto
 * norm balls, as attacks and certificates use them.
 */
public final class Balls {

    private Balls() {}

    /** Each sample's perturbation scaled down to l2 norm at most {@code eps} (unchanged if already inside). */
    public static Tensor projectL2(Tensor delta, double eps) {
        try (var scope = TensorScope.open()) {
            Tensor norms = delta.flatten(1, -1).norm(new int[] {1}, true);
            Tensor factors = norms.clampMin(eps).reciprocal().mul(eps);
            long[] shape = new long[delta.dim()];
            java.util.Arrays.fill(shape, 1);
            shape[0] = delta.size(0);
            return scope.keep(delta.mul(factors.reshape(shape)));
        }
    }

    /** Every element clamped to {@code [-eps, eps]}. */
    public static Tensor projectLinf(Tensor delta, double eps) {
        return delta.clamp(-eps, eps);
    }

    /** The perturbation that keeps {@code x + delta} in [0, 1]; it never grows any element, so it stays in the ball. */
    public static Tensor keepInImage(Tensor x, Tensor delta) {
        try (var scope = TensorScope.open()) {
            return scope.keep(x.add(delta).clamp(0, 1).sub(x));
        }
    }
}
