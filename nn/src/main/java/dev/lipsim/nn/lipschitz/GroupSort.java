package dev.lipsim.nn.lipschitz;

import dev.lipsim.nn.Module;
import dev.lipsim.tensor.Tensor;

/**
 * GroupSort activation (Anil et al., 2019): features (dimension 1) are split into consecutive
 * groups of {@code groupSize}, each sorted in descending order. Guarantee: at every input it
 * permutes the features, so it preserves norms of gradients and is 1-Lipschitz in l2.
 * {@link #maxMin()} is the group size 2 case.
 */
public final class GroupSort extends Module {

    private final int groupSize;

    public GroupSort(int groupSize) {
        if (groupSize < 2) {
            throw new IllegalArgumentException("group size must be at least 2, got " + groupSize);
        }
        this.groupSize = groupSize;
    }

    /** MaxMin: pairs sorted as (max, min). */
    public static GroupSort maxMin() {
        return new GroupSort(2);
    }

    @Override
    protected Tensor compute(Tensor x) {
        long[] shape = x.shape();
        if (shape[1] % groupSize != 0) {
            throw new IllegalArgumentException(shape[1] + " features are not divisible into groups of " + groupSize);
        }
        long[] grouped = new long[shape.length + 1];
        grouped[0] = shape[0];
        grouped[1] = shape[1] / groupSize;
        grouped[2] = groupSize;
        System.arraycopy(shape, 2, grouped, 3, shape.length - 2);
        return x.reshape(grouped).sort(2, true).values().reshape(shape);
    }

    @Override
    public String toString() {
        return "GroupSort(" + groupSize + ")";
    }
}
