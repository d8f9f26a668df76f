package dev.lipsim.nn.lipschitz;

import dev.lipsim.nn.Module;
import dev.lipsim.tensor.Tensor;

/**
 * Non-overlapping average pooling that divides each {@code k x k} window's sum by {@code k}
 * (not {@code k^2}), as LipSim's {@code AvgPool2d(k, divisor_override=k)}. Guarantee:
 * 1-Lipschitz in l2, since {@code (sum of k^2 values / k)^2 <= sum of their squares}
 * (Cauchy-Schwarz) and windows do not overlap.
 */
public final class LipschitzPooling extends Module {

    private final int window;

    public LipschitzPooling(int window) {
        this.window = window;
    }

    @Override
    protected Tensor compute(Tensor x) {
        return x.avgPool2d(new int[] {window, window}, new int[] {window, window}, new int[] {0, 0}, false, true, window);
    }
}
