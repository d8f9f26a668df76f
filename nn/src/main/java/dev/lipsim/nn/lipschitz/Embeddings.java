package dev.lipsim.nn.lipschitz;

import dev.lipsim.nn.Module;
import dev.lipsim.tensor.Tensor;
import java.util.List;

/** The maps from features to embeddings that certification relies on; both act on {@code [N, F]}. */
public final class Embeddings {

    private Embeddings() {}

    /**
     * Projection onto the unit ball, {@code x / max(1, ||x||)}. Guarantee: 1-Lipschitz, as every
     * projection onto a convex set.
     */
    public static Module unitBallProjection() {
        return new Module() {
            @Override
            protected Tensor compute(Tensor x) {
                return x.div(x.norm(new int[] {1}, true).clampMin(1));
            }
        };
    }

    /**
     * Appends a constant 1 and normalises: {@code [x, 1] / ||[x, 1]||}. Guarantee: 1-Lipschitz,
     * because normalisation is 1-Lipschitz outside the open unit ball and {@code ||[x, 1]|| >= 1}.
     */
    public static Module appendOneAndNormalize() {
        return new Module() {
            @Override
            protected Tensor compute(Tensor x) {
                Tensor withOne = Tensor.cat(List.of(x, Tensor.ones(new long[] {x.size(0), 1}, x.dtype(), x.device())), 1);
                return withOne.div(withOne.norm(new int[] {1}, true));
            }
        };
    }
}
