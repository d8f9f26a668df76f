package dev.lipsim.attack;

import dev.lipsim.nn.Balls;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.Arrays;

/** The threat model's norm: what a ball, a random start and a steepest-ascent step are. */
public enum Norm {
    L2,
    LINF;

    /** {@code delta} projected onto the ball of radius {@code eps}. */
    public Tensor project(Tensor delta, double eps) {
        return this == L2 ? Balls.projectL2(delta, eps) : Balls.projectLinf(delta, eps);
    }

    /** The steepest-ascent direction of unit size for {@code gradient}: normalised (l2) or its sign (l-infinity). */
    public Tensor direction(Tensor gradient) {
        if (this == LINF) {
            return gradient.sign();
        }
        try (var scope = TensorScope.open()) {
            Tensor norms = gradient.flatten(1, -1).norm(new int[] {1}, true).clampMin(1e-12);
            return scope.keep(gradient.div(norms.reshape(perSample(gradient))));
        }
    }

    /** A uniformly random point of the ball's surface (l2) or volume (l-infinity), per sample. */
    public Tensor randomStart(long[] shape, double eps, Generator generator) {
        try (var scope = TensorScope.open()) {
            if (this == LINF) {
                return scope.keep(Tensor.rand(generator, shape, DType.FLOAT32, Device.CPU).mul(2 * eps).sub(eps));
            }
            Tensor gaussian = Tensor.randn(generator, shape, DType.FLOAT32, Device.CPU);
            return scope.keep(direction(gaussian).mul(eps));
        }
    }

    /** Per sample, {@code ifTaken} where {@code take} (bool {@code [n]}) is true, else {@code otherwise}. */
    static Tensor choose(Tensor take, Tensor ifTaken, Tensor otherwise) {
        try (var scope = TensorScope.open()) {
            return scope.keep(Tensor.where(take.reshape(perSample(ifTaken)).expand(ifTaken.shape()), ifTaken, otherwise));
        }
    }

    /** The per-sample norms of {@code delta}. */
    public Tensor norms(Tensor delta) {
        try (var scope = TensorScope.open()) {
            Tensor flat = delta.flatten(1, -1);
            return scope.keep(this == L2 ? flat.norm(new int[] {1}, false) : flat.abs().max(1, false).values());
        }
    }

    static long[] perSample(Tensor like) {
        long[] shape = new long[like.dim()];
        Arrays.fill(shape, 1);
        shape[0] = like.size(0);
        return shape;
    }
}
