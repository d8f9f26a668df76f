package dev.lipsim.nn.lipschitz;

import dev.lipsim.nn.Init;
import dev.lipsim.nn.Module;
import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;

/**
 * Spectral normalisation (Miyato et al., 2018): {@code y = (W / sigma) x + b}.
 *
 * <p>In training mode {@code sigma} is the power-iteration estimate {@code u^T W v}, one
 * iteration per forward pass with a persistent vector {@code u} (a buffer), as in PyTorch; it
 * approaches the largest singular value from below, so during training the layer may exceed
 * 1-Lipschitz by the estimate's error. In evaluation mode {@code sigma} is the exact largest
 * singular value (from an SVD), which guarantees {@code ||W / sigma||_2 = 1}: certify in eval
 * mode.
 */
public final class SpectralNormLinear extends Module {

    private final Parameter weight;
    private final Parameter bias;
    private final Parameter u;

    public SpectralNormLinear(int in, int out, boolean bias, Generator generator) {
        this.weight = parameter("weight", Init.xavierNormal(
                Tensor.empty(new long[] {out, in}, DType.FLOAT32, Device.CPU), 1, generator));
        this.bias = bias ? parameter("bias", Tensor.zeros(new long[] {out}, DType.FLOAT32, Device.CPU)) : null;
        Tensor start = Init.normal(Tensor.empty(new long[] {out}, DType.FLOAT32, Device.CPU), 0, 1, generator);
        this.u = buffer("u", start.div(start.norm()));
    }

    /** The normalised weight. */
    public Tensor normalizedWeight() {
        Tensor w = weight.value();
        return w.div(isTraining() ? powerIterationSigma(w) : w.svdvals().narrow(0, 0, 1));
    }

    /** One power-iteration step on {@code u} (not differentiated), then {@code u^T W v} (differentiated). */
    private Tensor powerIterationSigma(Tensor w) {
        Tensor v;
        try (var noGrad = Autograd.noGrad(); var scope = TensorScope.open()) {
            Tensor vNext = w.t().matmul(u.value());
            vNext = vNext.div(vNext.norm().add(1e-12));
            Tensor uNext = w.matmul(vNext);
            u.value().copy_(uNext.div(uNext.norm().add(1e-12)));
            v = scope.keep(vNext);
        }
        // A copy: the next forward updates u in place, which autograd must not see.
        return u.value().clone().matmul(w.matmul(v));
    }

    @Override
    protected Tensor compute(Tensor x) {
        return x.linear(normalizedWeight(), bias == null ? null : bias.value());
    }
}
