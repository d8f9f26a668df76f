package dev.lipsim.tensor.numerics;

import static dev.lipsim.tensor.numerics.Float32Bounds.gamma;

import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Checks an op that is linear in each of two inputs, plus an optional bias (a convolution, a
 * matrix product, {@code linear}), and its three gradients, in float32 against float64.
 *
 * <p>Each output and each gradient element is a sum of products, so its bound is
 * {@code gamma(terms)} times the same op applied to absolute values: {@code f(|a|, |b|, |bias|)}
 * for the output, the gradient with respect to {@code a} of {@code f(., |b|)} taken along
 * {@code |dy|}, and so on, all computed in float64.
 */
public final class Bilinear {

    /** The op; {@code bias} may be null. */
    public interface Op {
        Tensor apply(Tensor a, Tensor b, Tensor bias);
    }

    /**
     * How many products each element sums: of the output (bias counted as one), of the gradient
     * with respect to {@code a}, to {@code b}, and to the bias.
     */
    public record Terms(long output, long a, long b, long bias) {}

    private Bilinear() {}

    /**
     * Checks {@code op} at random float32 {@code a}, {@code b} and {@code bias} of the given shapes
     * ({@code biasShape} null: none), with {@code layout} applied to the float32 {@code a} and to
     * the output gradient (the float64 reference stays row-major); adds failures under {@code name}.
     */
    public static void check(List<String> failures, String name, Op op, long[] aShape, long[] bShape, long[] biasShape,
            Terms terms, UnaryOperator<Tensor> layout, long seed) {
        try (var scope = TensorScope.open(); var grad = Autograd.enableGrad()) {
            Generator generator = new Generator(seed);
            Tensor a = random(generator, aShape);
            Tensor b = random(generator, bShape);
            Tensor bias = biasShape == null ? null : random(generator, biasShape);

            Tensor a32 = layout.apply(a).detach().requiresGrad(true);
            Tensor b32 = b.detach().requiresGrad(true);
            Tensor bias32 = bias == null ? null : bias.detach().requiresGrad(true);
            Tensor y32 = op.apply(a32, b32, bias32);
            Tensor dy = random(generator, y32.shape());
            y32.backward(layout.apply(dy));

            Tensor a64 = float64(a).requiresGrad(true);
            Tensor b64 = float64(b).requiresGrad(true);
            Tensor bias64 = bias == null ? null : float64(bias).requiresGrad(true);
            Tensor y64 = op.apply(a64, b64, bias64);
            Tensor dy64 = float64(dy);
            y64.backward(dy64);

            Tensor absA = float64(a).abs();
            Tensor absB = float64(b).abs();
            Tensor absDy = dy64.abs();
            Float32Bounds.check(failures, name + " output", y32, y64, op.apply(absA, absB,
                    bias == null ? null : float64(bias).abs()).mul(gamma(terms.output())));
            Float32Bounds.check(failures, name + " gradient of the input", a32.grad(), a64.grad(),
                    gradientAt(op, absA.zerosLike().requiresGrad(true), absB, null, absDy, 0).mul(gamma(terms.a())));
            Float32Bounds.check(failures, name + " gradient of the weight", b32.grad(), b64.grad(),
                    gradientAt(op, absA, absB.zerosLike().requiresGrad(true), null, absDy, 1).mul(gamma(terms.b())));
            if (bias != null) {
                Tensor zeroBias = float64(bias).zerosLike().requiresGrad(true);
                Float32Bounds.check(failures, name + " gradient of the bias", bias32.grad(), bias64.grad(),
                        gradientAt(op, absA, absB, zeroBias, absDy, 2).mul(gamma(terms.bias())));
            }
        }
    }

    /**
     * Checks an op linear in its one input (average pooling, say) and its gradient: each output
     * element sums at most {@code outputTerms} products, each gradient element {@code gradientTerms}.
     */
    public static void checkLinear(List<String> failures, String name, UnaryOperator<Tensor> op, long[] shape,
            long outputTerms, long gradientTerms, UnaryOperator<Tensor> layout, long seed) {
        try (var scope = TensorScope.open(); var grad = Autograd.enableGrad()) {
            Generator generator = new Generator(seed);
            Tensor x = random(generator, shape);
            Tensor x32 = layout.apply(x).detach().requiresGrad(true);
            Tensor y32 = op.apply(x32);
            Tensor dy = random(generator, y32.shape());
            y32.backward(layout.apply(dy));
            Tensor x64 = float64(x).requiresGrad(true);
            Tensor y64 = op.apply(x64);
            y64.backward(float64(dy));
            Float32Bounds.check(failures, name + " output", y32, y64,
                    op.apply(float64(x).abs()).mul(gamma(outputTerms)));
            Tensor zero = float64(x).zerosLike().requiresGrad(true);
            op.apply(zero).backward(float64(dy).abs());
            Float32Bounds.check(failures, name + " gradient", x32.grad(), x64.grad(), zero.grad().mul(gamma(gradientTerms)));
        }
    }

    /** The gradient along {@code dy} of {@code op} with respect to argument {@code which}. */
    private static Tensor gradientAt(Op op, Tensor a, Tensor b, Tensor bias, Tensor dy, int which) {
        op.apply(a, b, bias).backward(dy);
        return (which == 0 ? a : which == 1 ? b : bias).grad();
    }

    static Tensor random(Generator generator, long[] shape) {
        return Tensor.randn(generator, shape, DType.FLOAT32, Device.CPU);
    }

    static Tensor float64(Tensor x) {
        return x.to(DType.FLOAT64).contiguous();
    }
}
