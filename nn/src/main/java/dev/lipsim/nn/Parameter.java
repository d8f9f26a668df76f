package dev.lipsim.nn;

import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;

/**
 * A named tensor owned by a {@link Module}: a trainable parameter (a leaf that requires grad) or
 * a buffer (state saved with the model but not trained). The holder stays the same when the
 * module moves to another device or dtype; {@link #value()} then returns the new tensor, so keep
 * the {@code Parameter}, not the tensor, across such moves.
 */
public final class Parameter {

    private final boolean trainable;
    private Tensor value;

    Parameter(Tensor value, boolean trainable) {
        this.trainable = trainable;
        this.value = adopt(value);
    }

    /**
     * A trainable tensor outside any module, for an optimizer to update directly (an input
     * perturbation, say). It leaves any scope; the caller frees {@link #value()} when done.
     */
    public static Parameter trainable(Tensor value) {
        return new Parameter(value, true);
    }

    /** The current tensor. */
    public Tensor value() {
        return value;
    }

    /** Whether optimizers update it ({@code false} for buffers). */
    public boolean isTrainable() {
        return trainable;
    }

    /** The accumulated gradient, or null. */
    public Tensor grad() {
        return value.grad();
    }

    /** Replaces the tensor (freeing the old one), e.g. after a device move. */
    void replace(Tensor replacement) {
        Tensor old = value;
        value = adopt(replacement);
        if (old != replacement) {
            old.close();
        }
    }

    private Tensor adopt(Tensor tensor) {
        Tensor owned = TensorScope.release(tensor);
        if (trainable && !owned.requiresGrad()) {
            owned.requiresGrad(true);
        }
        return owned;
    }

    void close() {
        value.close();
    }

    @Override
    public String toString() {
        return (trainable ? "Parameter" : "Buffer") + value.toString().substring("tensor".length());
    }
}
