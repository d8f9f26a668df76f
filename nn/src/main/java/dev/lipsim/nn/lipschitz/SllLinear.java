package dev.lipsim.nn.lipschitz;

import dev.lipsim.nn.Derived;
import dev.lipsim.nn.Init;
import dev.lipsim.nn.Module;
import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;

/**
 * The SLL residual linear layer: {@code y = x - 2 W^T (t * relu(W x + b))} with {@code W}
 * ({@code inner x features}) and {@code t_i = 1 / sum_j |exp(-q_i) (W W^T)_ij exp(q_j)|}.
 *
 * <p>Guarantee: 1-Lipschitz in l2, because {@code diag(T)} dominates {@code W W^T} (a
 * diagonally scaled Gershgorin bound), the SDP condition of Araujo et al. (2023).
 *
 * <p>The Gram matrix {@code W W^T} dominates the cost (18.5 GFLOP for LipSim 'small'); outside
 * training the factors {@code 2 t} are computed once and kept until a parameter changes
 * ({@link Derived}); they are a vector, so the cache costs no second copy of the weight.
 *
 * <p>Parameters, as in LipSim checkpoints: {@code weight} (inner, features), {@code bias}
 * (1, inner), {@code q} (inner).
 */
public final class SllLinear extends Module {

    private final Parameter weight;
    private final Parameter bias;
    private final Parameter q;
    private final Derived twiceFactors;

    public SllLinear(int features, int inner, Generator generator) {
        this.weight = parameter("weight", Init.xavierNormal(
                Tensor.empty(new long[] {inner, features}, DType.FLOAT32, Device.CPU), 1, generator));
        double bound = 1 / Math.sqrt(features);
        this.bias = parameter("bias", Init.uniform(Tensor.empty(new long[] {1, inner}, DType.FLOAT32, Device.CPU),
                -bound, bound, generator));
        this.q = parameter("q", Init.normal(Tensor.empty(new long[] {inner}, DType.FLOAT32, Device.CPU), 0, 1, generator));
        this.twiceFactors = derived(() -> rescalingFactors().mul(2.0), weight, q);
    }

    /** {@code t}, one factor per inner unit. */
    public Tensor rescalingFactors() {
        Tensor w = weight.value();
        Tensor expQ = q.value().exp();
        Tensor gram = gram(w).mul(expQ.reshape(1, -1)).div(expQ.reshape(-1, 1)).abs();
        return SafeInverse.of(gram.sum(1, false));
    }

    /**
     * {@code W W^T}. Differentiated, autograd would multiply by {@code W} once per operand; as
     * {@code G + G^T - G} with {@code G = W stopgrad(W)^T} (the same value) the gradient
     * {@code (A + A^T) W} costs one matrix product, a third of a training step's Gram work.
     */
    private static Tensor gram(Tensor w) {
        if (!Autograd.isEnabled() || !w.requiresGrad()) {
            return w.matmul(w.t());
        }
        Tensor oneSided = w.matmul(w.detach().t());
        return oneSided.add(oneSided.t()).sub(oneSided.detach());
    }

    /** {@code x - (2 t * relu(W x + b)) W}; the activations are small, so the factors go onto them. */
    @Override
    protected Tensor compute(Tensor x) {
        Tensor hidden = x.linear(weight.value(), bias.value().reshape(-1)).relu_().mul(twiceFactors.get());
        return x.sub(hidden.matmul(weight.value()));
    }
}
