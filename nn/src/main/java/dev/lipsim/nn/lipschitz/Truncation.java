package dev.lipsim.nn.lipschitz;

import dev.lipsim.nn.Module;
import dev.lipsim.tensor.Tensor;

/** Keeps the first {@code features} features of {@code [N, F]} inputs. Guarantee: a projection, so 1-Lipschitz. */
public final class Truncation extends Module {

    private final int features;

    public Truncation(int features) {
        this.features = features;
    }

    @Override
    protected Tensor compute(Tensor x) {
        if (x.size(1) < features) {
            throw new IllegalArgumentException("input has " + x.size(1) + " features, fewer than the " + features + " to keep");
        }
        return x.narrow(1, 0, features);
    }
}
