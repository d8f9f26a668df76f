package dev.lipsim.nn.lipschitz;

import dev.lipsim.nn.Derived;
import dev.lipsim.nn.Init;
import dev.lipsim.nn.Module;
import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;

/**
 * The SDP-based Lipschitz (SLL) residual convolution of Araujo et al. (2023):
 * {@code y = x - 2 K^T (t * relu(K x + b))} with a 3x3 kernel {@code K} ({@code inner x C}),
 * padding 1, and {@code t = 1/T}, {@code T_i = sum_{j,h,w} |K * K|_{i,j,h,w}} (the full
 * 2-d correlation of the kernel with itself, {@code conv2d(K, K, padding=2)}).
 *
 * <p>Guarantee: 1-Lipschitz in l2. {@code diag(T)} dominates the Gram operator {@code K K^T}
 * (each row of its absolute values sums to at most {@code T_i}), which is the SDP condition
 * under which the residual form with a slope-[0, 1] activation is 1-Lipschitz. With
 * {@link QRescaling#SLL} the bound {@code T_i = sum exp(-q_i) |KK^T|_ij exp(q_j)} is used
 * (still dominating, by the same argument with a diagonal similarity).
 *
 * <p>Outside training (no gradient recorded for the parameters) the rescaled kernel is computed
 * once and kept until a parameter changes ({@link Derived}).
 *
 * <p>Inputs are brought into channels-last layout (a no-op when they already are, as every
 * output of this layer is): the convolutions run about twice as fast that way on the CPU
 * (BENCHMARKS.md).
 *
 * <p>Parameters, named as in LipSim checkpoints: {@code kernel} (inner, C, 3, 3), {@code bias}
 * (1, inner, 1, 1), {@code q} (inner). Initialisation: kernel Xavier-normal, bias uniform in
 * {@code +-1/sqrt(fan_in)}, q standard normal.
 */
public final class SllConv2d extends Module {

    private final Parameter kernel;
    private final Parameter bias;
    private final Parameter q;
    private final QRescaling rescaling;
    private final Derived negativeKernel;

    public SllConv2d(int channels, int inner, QRescaling rescaling, Generator generator) {
        this.rescaling = rescaling;
        this.kernel = parameter("kernel", Init.xavierNormal(
                Tensor.empty(new long[] {inner, channels, 3, 3}, DType.FLOAT32, Device.CPU), 1, generator));
        double bound = 1 / Math.sqrt(channels * 9.0);
        this.bias = parameter("bias", Init.uniform(Tensor.empty(new long[] {1, inner, 1, 1}, DType.FLOAT32, Device.CPU),
                -bound, bound, generator));
        this.q = parameter("q", Init.normal(Tensor.empty(new long[] {inner}, DType.FLOAT32, Device.CPU), 0, 1, generator));
        this.negativeKernel = derived(() -> scaledKernel(-2.0), kernel, q);
    }

    /** {@code t = 1/T}, one rescaling factor per inner channel. */
    public Tensor rescalingFactors() {
        Tensor k = kernel.value();
        Tensor gram = k.conv2d(k, null, 1, 2).abs();
        Tensor rowSums = switch (rescaling) {
            case REFERENCE -> gram.sum(new int[] {1, 2, 3}, false);
            case SLL -> {
                Tensor expQ = q.value().exp();
                Tensor weighted = gram.mul(expQ.reshape(1, -1, 1, 1)).div(expQ.reshape(-1, 1, 1, 1));
                yield weighted.sum(new int[] {1, 2, 3}, false);
            }
        };
        return SafeInverse.of(rowSums);
    }

    /** {@code factor * t * K}: the transposed convolution's kernel with the rescaling folded in (a 3x3 kernel's work). */
    private Tensor scaledKernel(double factor) {
        return kernel.value().mul(rescalingFactors().mul(factor).reshape(-1, 1, 1, 1));
    }

    /**
     * {@code x - conv_transpose(relu(conv(x) + b), 2 t K)}, the bias added inside the
     * convolution. Recorded by autograd it subtracts (whose backward costs one negation, where
     * PyTorch's {@code x - 2 * ...} costs two passes); otherwise the residual is added in place
     * onto {@code conv_transpose(h, -2 t K)}, so the layer allocates one full-size activation.
     */
    @Override
    protected Tensor compute(Tensor input) {
        Tensor x = ConvolutionLayout.of(input);
        Tensor hidden = x.conv2d(kernel.value(), bias.value().reshape(-1), 1, 1).relu_();
        if (hidden.requiresGrad()) {
            return x.sub(hidden.convTranspose2d(scaledKernel(2.0), null, 1, 1));
        }
        Tensor update = hidden.convTranspose2d(negativeKernel.get(), null, 1, 1);
        hidden.close();
        return update.add_(x);
    }
}
