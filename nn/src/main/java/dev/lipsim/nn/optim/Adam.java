package dev.lipsim.nn.optim;

import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adam and AdamW with PyTorch's update rule, per parameter at step t:
 * {@code m = b1 m + (1 - b1) g}, {@code v = b2 v + (1 - b2) g^2},
 * {@code p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}. Weight decay is added
 * to the gradient ({@code g + wd p}, Adam) or applied to the parameter first
 * ({@code p *= 1 - lr wd}, AdamW, decoupled).
 */
public final class Adam extends Optimizer {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;

    private Adam(List<Parameter> parameters, double learningRate, double beta1, double beta2, double eps,
            double weightDecay, boolean decoupled) {
        super(parameters, learningRate);
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("eps must be >= 0, got " + eps);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    /** Adam (weight decay as L2 on the gradient). */
    public static Adam adam(List<Parameter> parameters, double learningRate, double beta1, double beta2, double eps,
            double weightDecay) {
        return new Adam(parameters, learningRate, beta1, beta2, eps, weightDecay, false);
    }

    /** AdamW (decoupled weight decay). */
    public static Adam adamW(List<Parameter> parameters, double learningRate, double beta1, double beta2, double eps,
            double weightDecay) {
        return new Adam(parameters, learningRate, beta1, beta2, eps, weightDecay, true);
    }

    @Override
    protected void update(Tensor param, Tensor grad, Map<String, Tensor> state) {
        long t = incrementStep(state);
        Tensor g = grad;
        if (weightDecay != 0) {
            if (decoupled) {
                param.mul_(1 - learningRate() * weightDecay);
            } else {
                g = grad.add(param, weightDecay);
            }
        }
        Tensor m = state(state, "exp_avg", param::zerosLike);
        Tensor v = state(state, "exp_avg_sq", param::zerosLike);
        m.mul_(beta1).add_(g, 1 - beta1);
        v.mul_(beta2).addcmul_(g, g, 1 - beta2);
        double biasCorrection1 = 1 - Math.pow(beta1, t);
        double biasCorrection2 = 1 - Math.pow(beta2, t);
        Tensor denominator = v.sqrt().div(Math.sqrt(biasCorrection2)).add(eps);
        param.addcdiv_(m, denominator, -learningRate() / biasCorrection1);
    }
}
