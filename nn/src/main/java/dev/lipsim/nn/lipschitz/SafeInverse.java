package dev.lipsim.nn.lipschitz;

import dev.lipsim.tensor.Tensor;

/** {@code 1/x} where x > 0, else 0, without NaN gradients at the zeros (the reference's {@code safe_inv}). */
final class SafeInverse {

    private SafeInverse() {}

    static Tensor of(Tensor x) {
        Tensor positive = x.gt(0.0);
        Tensor safe = Tensor.where(positive, x, x.onesLike());
        return Tensor.where(positive, safe.reciprocal(), x.zerosLike());
    }

    /** {@code 1/sqrt(x)} where x > 0, else 0. */
    static Tensor rsqrtOf(Tensor x) {
        Tensor positive = x.gt(0.0);
        Tensor safe = Tensor.where(positive, x, x.onesLike());
        return Tensor.where(positive, safe.rsqrt(), x.zerosLike());
    }
}
