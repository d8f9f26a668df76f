package dev.lipsim.nn;

import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Tensor;

/** Layer normalisation over the trailing {@code shape}, with learned scale (ones) and shift (zeros). */
public final class LayerNorm extends Module {

    private final long[] shape;
    private final double eps;
    private final Parameter weight;
    private final Parameter bias;

    public LayerNorm(long[] shape, double eps) {
        this.shape = shape.clone();
        this.eps = eps;
        this.weight = parameter("weight", Tensor.ones(shape, DType.FLOAT32, Device.CPU));
        this.bias = parameter("bias", Tensor.zeros(shape, DType.FLOAT32, Device.CPU));
    }

    @Override
    protected Tensor compute(Tensor input) {
        return input.layerNorm(shape, weight.value(), bias.value(), eps);
    }
}
