package dev.lipsim.nn.lipschitz;

import dev.lipsim.nn.Init;
import dev.lipsim.nn.Module;
import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;

/**
 * Almost-orthogonal Lipschitz (AOL) linear layer (Prach and Lampert, 2022):
 * {@code y = W D x + b} with {@code D = diag(d)}, {@code d_j = (sum_i |W^T W|_ij)^(-1/2)}.
 *
 * <p>Guarantee: {@code ||W D||_2 <= 1}. {@code (WD)^T (WD) = D W^T W D}, and
 * {@code D^(-2)} dominates {@code W^T W} (row sums of absolute values), so
 * {@code I - D W^T W D} is positive semi-definite.
 */
public final class AolLinear extends Module {

    private final Parameter weight;
    private final Parameter bias;

    public AolLinear(int in, int out, boolean bias, Generator generator) {
        this.weight = parameter("weight", Init.xavierNormal(
                Tensor.empty(new long[] {out, in}, DType.FLOAT32, Device.CPU), 1, generator));
        this.bias = bias ? parameter("bias", Tensor.zeros(new long[] {out}, DType.FLOAT32, Device.CPU)) : null;
    }

    /** The rescaled weight {@code W D}, whose spectral norm is at most 1. */
    public Tensor rescaledWeight() {
        Tensor w = weight.value();
        Tensor d = SafeInverse.rsqrtOf(w.t().matmul(w).abs().sum(1, false));
        return w.mul(d.reshape(1, -1));
    }

    @Override
    protected Tensor compute(Tensor x) {
        return x.linear(rescaledWeight(), bias == null ? null : bias.value());
    }
}
