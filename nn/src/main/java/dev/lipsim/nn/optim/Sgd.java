package dev.lipsim.nn.optim;

import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with PyTorch's update rule: {@code g = grad + wd * p}; with
 * momentum {@code b = momentum * b + (1 - dampening) * g} ({@code b = g} at the first step) and
 * {@code g = b}, or {@code g = g + momentum * b} with Nesterov; then {@code p -= lr * g}.
 */
public final class Sgd extends Optimizer {

    private final double momentum;
    private final double dampening;
    private final boolean nesterov;
    private final double weightDecay;

    public Sgd(List<Parameter> parameters, double learningRate, double momentum, double dampening, boolean nesterov,
            double weightDecay) {
        super(parameters, learningRate);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum needs momentum > 0 and no dampening");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
    }

    /** Plain SGD. */
    public Sgd(List<Parameter> parameters, double learningRate) {
        this(parameters, learningRate, 0, 0, false, 0);
    }

    @Override
    protected void update(Tensor param, Tensor grad, Map<String, Tensor> state) {
        Tensor g = weightDecay != 0 ? grad.add(param, weightDecay) : grad;
        if (momentum != 0) {
            Tensor buffer = state.get("momentum_buffer");
            if (buffer == null) {
                buffer = state(state, "momentum_buffer", g::clone);
            } else {
                buffer.mul_(momentum).add_(g, 1 - dampening);
            }
            g = nesterov ? g.add(buffer, momentum) : buffer;
        }
        param.add_(g, -learningRate());
    }
}
