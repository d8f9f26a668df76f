package dev.lipsim.nn;

import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;

/**
 * {@code y = x W^T + b}, initialised as PyTorch's {@code nn.Linear}: weight Kaiming-uniform with
 * {@code a = sqrt(5)} (uniform in {@code +-1/sqrt(in)}), bias uniform in {@code +-1/sqrt(in)}.
 */
public final class Linear extends Module {

    private final Parameter weight;
    private final Parameter bias;

    public Linear(int in, int out, boolean bias, Generator generator) {
        this.weight = parameter("weight",
                Init.kaimingUniform(Tensor.empty(new long[] {out, in}, DType.FLOAT32, Device.CPU), Math.sqrt(5), generator));
        double bound = 1 / Math.sqrt(in);
        this.bias = bias
                ? parameter("bias", Init.uniform(Tensor.empty(new long[] {out}, DType.FLOAT32, Device.CPU), -bound, bound, generator))
                : null;
    }

    public Linear(int in, int out) {
        this(in, out, true, Generator.defaultGenerator());
    }

    @Override
    protected Tensor compute(Tensor input) {
        return input.linear(weight.value(), bias == null ? null : bias.value());
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }
}
