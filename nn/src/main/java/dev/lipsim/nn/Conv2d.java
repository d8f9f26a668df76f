package dev.lipsim.nn;

import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;

/** 2-d convolution, initialised as PyTorch's {@code nn.Conv2d} (bounds {@code +-1/sqrt(fan_in)}). */
public final class Conv2d extends Module {

    private final Parameter weight;
    private final Parameter bias;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;

    /** A square {@code kernel x kernel} convolution with the given stride and padding. */
    public Conv2d(int in, int out, int kernel, int stride, int padding, boolean bias, Generator generator) {
        this(in, out, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding},
                new int[] {1, 1}, 1, bias, generator);
    }

    public Conv2d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias,
            Generator generator) {
        if (in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("channels " + in + " -> " + out + " are not divisible by " + groups + " groups");
        }
        this.stride = stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        this.groups = groups;
        this.weight = parameter("weight", Init.kaimingUniform(
                Tensor.empty(new long[] {out, in / groups, kernel[0], kernel[1]}, DType.FLOAT32, Device.CPU), Math.sqrt(5),
                generator));
        double bound = 1 / Math.sqrt(Init.fanIn(this.weight.value()));
        this.bias = bias
                ? parameter("bias", Init.uniform(Tensor.empty(new long[] {out}, DType.FLOAT32, Device.CPU), -bound, bound, generator))
                : null;
    }

    @Override
    protected Tensor compute(Tensor input) {
        return input.conv2d(weight.value(), bias == null ? null : bias.value(), stride, padding, dilation, groups);
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }
}
