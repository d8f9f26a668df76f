package dev.lipsim.nn;

import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.Arrays;

/**
 * Initialisers with PyTorch's formulas ({@code torch.nn.init}), filling a tensor in place from a
 * seeded {@link Generator}. Fans: {@code fan_in = size(1) * receptive field},
 * {@code fan_out = size(0) * receptive field}, where the receptive field is the product of the
 * sizes after the first two.
 */
public final class Init {

    private Init() {}

    /** Normal with std {@code gain * sqrt(2 / (fan_in + fan_out))}. */
    public static Tensor xavierNormal(Tensor tensor, double gain, Generator generator) {
        double std = gain * Math.sqrt(2.0 / (fanIn(tensor) + fanOut(tensor)));
        return normal(tensor, 0, std, generator);
    }

    /** Uniform in {@code +-gain * sqrt(6 / (fan_in + fan_out))}. */
    public static Tensor xavierUniform(Tensor tensor, double gain, Generator generator) {
        double bound = gain * Math.sqrt(6.0 / (fanIn(tensor) + fanOut(tensor)));
        return uniform(tensor, -bound, bound, generator);
    }

    /** Normal with std {@code sqrt(2 / (1 + a^2)) / sqrt(fan_in)} (leaky-relu gain, fan-in mode). */
    public static Tensor kaimingNormal(Tensor tensor, double a, Generator generator) {
        double std = Math.sqrt(2.0 / (1 + a * a)) / Math.sqrt(fanIn(tensor));
        return normal(tensor, 0, std, generator);
    }

    /** Uniform in {@code +-sqrt(2 / (1 + a^2)) * sqrt(3 / fan_in)} (leaky-relu gain, fan-in mode). */
    public static Tensor kaimingUniform(Tensor tensor, double a, Generator generator) {
        double bound = Math.sqrt(2.0 / (1 + a * a)) * Math.sqrt(3.0 / fanIn(tensor));
        return uniform(tensor, -bound, bound, generator);
    }

    /** Uniform in [low, high). */
    public static Tensor uniform(Tensor tensor, double low, double high, Generator generator) {
        double[] values = generator.uniform(tensor.numel());
        for (int i = 0; i < values.length; i++) {
            values[i] = low + (high - low) * values[i];
        }
        return fill(tensor, values);
    }

    /** Normal with {@code mean} and {@code std}. */
    public static Tensor normal(Tensor tensor, double mean, double std, Generator generator) {
        double[] values = generator.normal(tensor.numel());
        for (int i = 0; i < values.length; i++) {
            values[i] = mean + std * values[i];
        }
        return fill(tensor, values);
    }

    public static Tensor zeros(Tensor tensor) {
        try (var noGrad = Autograd.noGrad()) {
            return tensor.zero_();
        }
    }

    public static long fanIn(Tensor tensor) {
        long[] shape = requireMatrixOrMore(tensor);
        return shape[1] * receptiveField(shape);
    }

    public static long fanOut(Tensor tensor) {
        long[] shape = requireMatrixOrMore(tensor);
        return shape[0] * receptiveField(shape);
    }

    private static long receptiveField(long[] shape) {
        long field = 1;
        for (int i = 2; i < shape.length; i++) {
            field *= shape[i];
        }
        return field;
    }

    private static long[] requireMatrixOrMore(Tensor tensor) {
        long[] shape = tensor.shape();
        if (shape.length < 2) {
            throw new IllegalArgumentException("fans need at least 2 dimensions, got shape " + Arrays.toString(shape));
        }
        return shape;
    }

    private static Tensor fill(Tensor tensor, double[] values) {
        try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            Tensor source = Tensor.of(values, tensor.shape());
            tensor.copy_(tensor.device().equals(Device.CPU) ? source : source.to(tensor.device()));
        }
        return tensor;
    }
}
