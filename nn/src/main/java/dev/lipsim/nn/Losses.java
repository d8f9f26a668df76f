package dev.lipsim.nn;

import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.Arrays;

/** Loss functions; each returns a 0-dim tensor recorded by autograd. */
public final class Losses {

    private Losses() {}

    /**
     * The hinge loss {@code sum_i max(0, margin - logit_i * sign_i)}, summed over the batch (not
     * averaged), with {@code signs} of +1 or -1.
     */
    public static Tensor hinge(Tensor logits, Tensor signs, double margin) {
        requireSameShape(logits, signs, "hinge");
        try (var scope = TensorScope.open()) {
            return scope.keep(logits.mul(signs).neg().add(margin).clampMin(0).sum());
        }
    }

    /** {@code sqrt(mean((a - b)^2))} over every element. */
    public static Tensor rmse(Tensor a, Tensor b) {
        requireSameShape(a, b, "rmse");
        try (var scope = TensorScope.open()) {
            return scope.keep(a.sub(b).square().mean().sqrt());
        }
    }

    private static void requireSameShape(Tensor a, Tensor b, String loss) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(loss + " needs two tensors of the same shape, got "
                    + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
        }
    }
}
