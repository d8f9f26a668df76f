package dev.lipsim.nn.lipschitz;

import dev.lipsim.nn.Init;
import dev.lipsim.nn.Module;
import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;

/**
 * AOL convolution (Prach and Lampert, 2022): the kernel {@code K} ({@code out x in x k x k}, odd
 * k, stride 1, "same" zero padding) is rescaled per input channel by
 * {@code d_c = (sum_{c',h,w} |K^T * K|_{c,c',h,w})^(-1/2)}, where {@code K^T * K} is the
 * full correlation of the transposed kernel with itself ({@code in x in x (2k-1) x (2k-1)}).
 *
 * <p>Guarantee: 1-Lipschitz in l2. The same dominance argument as {@link AolLinear}, applied to
 * the convolution's Gram operator, bounds the full (unpadded) convolution; zero padding
 * restricts it, which cannot increase its norm.
 */
public final class AolConv2d extends Module {

    private final Parameter kernel;
    private final Parameter bias;
    private final int padding;

    public AolConv2d(int in, int out, int kernelSize, boolean bias, Generator generator) {
        if (kernelSize % 2 == 0) {
            throw new IllegalArgumentException("AOL convolution needs an odd kernel size, got " + kernelSize);
        }
        this.padding = kernelSize / 2;
        this.kernel = parameter("kernel", Init.xavierNormal(
                Tensor.empty(new long[] {out, in, kernelSize, kernelSize}, DType.FLOAT32, Device.CPU), 1, generator));
        this.bias = bias ? parameter("bias", Tensor.zeros(new long[] {out}, DType.FLOAT32, Device.CPU)) : null;
    }

    /** The rescaled kernel. */
    public Tensor rescaledKernel() {
        Tensor k = kernel.value();
        Tensor kt = k.transpose(0, 1);
        int size = (int) k.size(2);
        Tensor gram = kt.conv2d(kt, null, 1, size - 1).abs();
        Tensor d = SafeInverse.rsqrtOf(gram.sum(new int[] {1, 2, 3}, false));
        return k.mul(d.reshape(1, -1, 1, 1));
    }

    @Override
    protected Tensor compute(Tensor x) {
        return x.conv2d(rescaledKernel(), bias == null ? null : bias.value(), 1, padding);
    }
}
