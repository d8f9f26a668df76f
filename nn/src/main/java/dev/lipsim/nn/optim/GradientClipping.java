package dev.lipsim.nn.optim;

import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;

/** Gradient clipping as PyTorch's {@code clip_grad_norm_} and {@code clip_grad_value_}. */
public final class GradientClipping {

    private GradientClipping() {}

    /**
     * Scales all gradients by {@code maxNorm / (total + 1e-6)} when their joint 2-norm exceeds
     * {@code maxNorm}; returns the norm before clipping.
     */
    public static double clipNorm(List<Parameter> parameters, double maxNorm) {
        try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            double squares = 0;
            for (Parameter parameter : parameters) {
                Tensor grad = parameter.grad();
                if (grad != null) {
                    double norm = grad.norm().item();
                    squares += norm * norm;
                }
            }
            double total = Math.sqrt(squares);
            double coefficient = maxNorm / (total + 1e-6);
            if (coefficient < 1) {
                for (Parameter parameter : parameters) {
                    Tensor grad = parameter.grad();
                    if (grad != null) {
                        grad.mul_(coefficient);
                    }
                }
            }
            return total;
        }
    }

    /** Clamps every gradient element to {@code [-clip, clip]}. */
    public static void clipValue(List<Parameter> parameters, double clip) {
        try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            for (Parameter parameter : parameters) {
                Tensor grad = parameter.grad();
                if (grad != null) {
                    grad.clamp_(-clip, clip);
                }
            }
        }
    }
}
