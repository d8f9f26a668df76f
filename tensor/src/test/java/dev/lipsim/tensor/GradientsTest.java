package dev.lipsim.tensor;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** libtorch's gradient of every differentiable op against float64 central differences. */
@ExtendWith(InScope.class)
class GradientsTest {

    private static final double ATOL = 1e-6;
    private static final double RTOL = 1e-5;


    /** Normal samples, float64, from a seed per case. */
    private static Tensor randn(long seed, long... shape) {
        return Tensor.randn(new Generator(seed), shape, DType.FLOAT64, Device.CPU);
    }

    /** Values with magnitude in [0.5, 1.5] and random sign: away from the kinks at 0. */
    private static Tensor awayFromZero(long seed, long... shape) {
        Tensor u = Tensor.rand(new Generator(seed), shape, DType.FLOAT64, Device.CPU);
        Tensor sign = Tensor.randn(new Generator(seed + 1), shape, DType.FLOAT64, Device.CPU).sign();
        return u.add(0.5).mul(sign);
    }

    /** Distinct values (a shuffled ramp), so max and min have no ties. */
    private static Tensor distinct(long... shape) {
        int n = (int) Shapes.numel(shape);
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = ((i * 7919) % n) * 0.37 - n * 0.1;
        }
        return Tensor.of(values, shape);
    }

    private static Arguments unary(String name, Function<Tensor, Tensor> f, Tensor input) {
        return Arguments.of(name, (Function<List<Tensor>, Tensor>) xs -> f.apply(xs.get(0)), List.of(input));
    }

    private static Arguments binary(String name, java.util.function.BiFunction<Tensor, Tensor, Tensor> f, Tensor a, Tensor b) {
        return Arguments.of(name, (Function<List<Tensor>, Tensor>) xs -> f.apply(xs.get(0), xs.get(1)), List.of(a, b));
    }

    static Stream<Arguments> ops() {
        try (var noGrad = Autograd.noGrad()) {
            return Stream.of(
                    binary("add", Tensor::add, randn(1, 2, 3), randn(2, 3)),
                    binary("add alpha", (a, b) -> a.add(b, -2.5), randn(3, 2, 3), randn(4, 1, 3)),
                    binary("sub", Tensor::sub, randn(5, 2, 3), randn(6, 2, 1)),
                    binary("mul", Tensor::mul, randn(7, 2, 3), randn(8, 3)),
                    binary("div", Tensor::div, randn(9, 2, 3), awayFromZero(10, 2, 3)),
                    unary("add scalar", x -> x.add(1.5), randn(11, 4)),
                    unary("mul scalar", x -> x.mul(-3.0), randn(12, 4)),
                    unary("div scalar", x -> x.div(4.0), randn(13, 4)),
                    unary("neg", Tensor::neg, randn(14, 4)),
                    binary("pow", Tensor::pow, awayFromZero(15, 3).abs(), randn(16, 3)),
                    unary("pow scalar", x -> x.pow(3.0), randn(17, 4)),
                    unary("square", Tensor::square, randn(18, 4)),
                    binary("maximum", Tensor::maximum, distinct(2, 3), distinct(2, 3).flip(0, 1).add(0.01)),
                    binary("minimum", Tensor::minimum, distinct(2, 3), distinct(2, 3).flip(0, 1).add(0.01)),
                    binary("where", (a, b) -> Tensor.where(a.gt(0.0), a, b), awayFromZero(19, 2, 3), randn(20, 2, 3)),
                    unary("exp", Tensor::exp, randn(21, 4)),
                    unary("log", Tensor::log, awayFromZero(22, 4).abs()),
                    unary("sqrt", Tensor::sqrt, awayFromZero(23, 4).abs()),
                    unary("rsqrt", Tensor::rsqrt, awayFromZero(24, 4).abs()),
                    unary("abs", Tensor::abs, awayFromZero(25, 4)),
                    unary("sign", x -> x.sign().mul(x), awayFromZero(26, 4)),
                    unary("relu", Tensor::relu, awayFromZero(27, 6)),
                    unary("sigmoid", Tensor::sigmoid, randn(28, 4)),
                    unary("tanh", Tensor::tanh, randn(29, 4)),
                    unary("gelu", Tensor::gelu, randn(30, 4)),
                    unary("gelu tanh", x -> x.gelu("tanh"), randn(31, 4)),
                    unary("softmax", x -> x.softmax(1), randn(32, 2, 3)),
                    unary("logSoftmax", x -> x.logSoftmax(0), randn(33, 2, 3)),
                    unary("clamp", x -> x.clamp(-0.7, 0.7), Tensor.of(new double[] {-1.2, -0.3, 0.1, 0.9, 0.5}, 5)),
                    unary("sum", Tensor::sum, randn(34, 2, 3)),
                    unary("sum dims", x -> x.sum(new int[] {0, 2}, true), randn(35, 2, 3, 2)),
                    unary("mean", Tensor::mean, randn(36, 2, 3)),
                    unary("mean dim", x -> x.mean(1, false), randn(37, 2, 3)),
                    unary("max", Tensor::max, distinct(2, 3)),
                    unary("max dim", x -> x.max(1, false).values(), distinct(3, 4)),
                    unary("min dim", x -> x.min(0, true).values(), distinct(3, 4)),
                    unary("norm", Tensor::norm, randn(38, 2, 3)),
                    unary("norm dims", x -> x.norm(new int[] {1}, true), randn(39, 2, 3)),
                    unary("norm p=3", x -> x.norm(3, new int[] {1}, false), awayFromZero(40, 2, 3)),
                    unary("cumsum", x -> x.cumsum(1), randn(41, 2, 3)),
                    unary("sort", x -> x.sort(1, true).values().mul(Tensor.of(new double[] {1, 2, 3, 4}, 4)), distinct(2, 4)),
                    unary("svdvals", Tensor::svdvals, randn(97, 3, 2)),
                    unary("reciprocal", Tensor::reciprocal, awayFromZero(98, 4)),
                    binary("matmul", Tensor::matmul, randn(42, 2, 3, 4), randn(43, 4, 2)),
                    binary("mm", Tensor::mm, randn(44, 2, 3), randn(45, 3, 2)),
                    binary("bmm", Tensor::bmm, randn(46, 2, 2, 3), randn(47, 2, 3, 2)),
                    Arguments.of("linear", (Function<List<Tensor>, Tensor>) xs -> xs.get(0).linear(xs.get(1), xs.get(2)),
                            List.of(randn(48, 2, 3), randn(49, 4, 3), randn(50, 4))),
                    unary("t", x -> x.t().mul(x.t()), randn(51, 2, 3)),
                    unary("transpose", x -> x.transpose(0, 2).exp(), randn(52, 2, 3, 2)),
                    Arguments.of("conv2d", (Function<List<Tensor>, Tensor>) xs -> xs.get(0).conv2d(xs.get(1), xs.get(2),
                            new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 2}, 2),
                            List.of(randn(53, 1, 4, 5, 5), randn(54, 2, 2, 3, 2), randn(55, 2))),
                    Arguments.of("convTranspose2d", (Function<List<Tensor>, Tensor>) xs -> xs.get(0).convTranspose2d(
                            xs.get(1), xs.get(2), new int[] {2, 2}, new int[] {1, 0}, new int[] {1, 0}, new int[] {1, 1}, 1),
                            List.of(randn(56, 1, 2, 3, 3), randn(57, 2, 3, 2, 2), randn(58, 3))),
                    unary("avgPool2d", x -> x.avgPool2d(2, 2), randn(59, 1, 2, 4, 4)),
                    unary("avgPool2d divisor", x -> x.avgPool2d(new int[] {4, 4}, new int[] {4, 4}, new int[] {0, 0},
                            false, true, 4), randn(60, 1, 1, 8, 4)),
                    unary("maxPool2d", x -> x.maxPool2d(2, 2), distinct(1, 1, 4, 4)),
                    unary("adaptiveAvgPool2d", x -> x.adaptiveAvgPool2d(2, 1), randn(61, 1, 2, 4, 3)),
                    Arguments.of("layerNorm", (Function<List<Tensor>, Tensor>) xs -> xs.get(0).layerNorm(new long[] {3},
                            xs.get(1), xs.get(2), 1e-5), List.of(randn(62, 2, 3), randn(63, 3), randn(64, 3))),
                    Arguments.of("scaledDotProductAttention", (Function<List<Tensor>, Tensor>) xs ->
                            Tensor.scaledDotProductAttention(xs.get(0), xs.get(1), xs.get(2), null, true, 0.7),
                            List.of(randn(65, 1, 3, 2), randn(66, 1, 3, 2), randn(67, 1, 3, 2))),
                    unary("reshape", x -> x.reshape(3, 2).exp(), randn(68, 2, 3)),
                    unary("view", x -> x.view(6).exp(), randn(69, 2, 3)),
                    unary("permute", x -> x.permute(2, 0, 1).exp(), randn(70, 2, 3, 2)),
                    unary("flatten", x -> x.flatten(1, 2).exp(), randn(71, 2, 3, 2)),
                    unary("squeeze", x -> x.squeeze().exp(), randn(72, 1, 3, 1)),
                    unary("unsqueeze", x -> x.unsqueeze(1).exp(), randn(73, 3)),
                    unary("expand", x -> x.expand(2, 3).mul(Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3)), randn(74, 3)),
                    binary("cat", (a, b) -> Tensor.cat(List.of(a, b), 1).exp(), randn(75, 2, 2), randn(76, 2, 1)),
                    binary("stack", (a, b) -> Tensor.stack(List.of(a, b), 0).exp(), randn(77, 3), randn(78, 3)),
                    unary("split", x -> x.split(2, 1).get(1).exp(), randn(79, 2, 3)),
                    unary("chunk", x -> x.chunk(2, 0).get(0).exp(), randn(80, 4, 2)),
                    unary("narrow", x -> x.narrow(1, 1, 2).exp(), randn(81, 2, 4)),
                    unary("select", x -> x.select(0, 1).exp(), randn(82, 3, 2)),
                    unary("indexSelect", x -> x.indexSelect(1, Tensor.of(new long[] {2, 0, 2}, 3)).exp(), randn(83, 2, 3)),
                    unary("pad constant", x -> x.pad(new long[] {1, 2}, PadMode.CONSTANT, 0.5).exp(), randn(84, 2, 3)),
                    unary("pad reflect", x -> x.pad(new long[] {1, 1, 1, 0}, PadMode.REFLECT, 0).exp(), randn(85, 1, 3, 3)),
                    unary("pad replicate", x -> x.pad(new long[] {2, 1}, PadMode.REPLICATE, 0).exp(), randn(86, 1, 2, 3)),
                    unary("pad circular", x -> x.pad(new long[] {1, 1}, PadMode.CIRCULAR, 0).exp(), randn(87, 1, 2, 3)),
                    unary("flip", x -> x.flip(1).mul(Tensor.of(new double[] {1, 2, 3}, 3)), randn(88, 2, 3)),
                    unary("contiguous", x -> x.t().contiguous().exp(), randn(89, 2, 3)),
                    unary("channels last", x -> x.contiguous(MemoryFormat.CHANNELS_LAST).exp(), randn(90, 1, 2, 2, 3)),
                    unary("bilinear", x -> x.interpolate(3, 5, Interpolation.BILINEAR, false, false), randn(91, 1, 1, 4, 3)),
                    unary("bilinear aa", x -> x.interpolate(2, 3, Interpolation.BILINEAR, false, true), randn(92, 1, 1, 5, 6)),
                    unary("bicubic aa", x -> x.interpolate(2, 3, Interpolation.BICUBIC, false, true), randn(93, 1, 1, 5, 7)),
                    unary("bicubic", x -> x.interpolate(4, 4, Interpolation.BICUBIC, true, false), randn(94, 1, 1, 3, 3)),
                    unary("to dtype", x -> x.to(DType.FLOAT64).exp(), randn(95, 3)),
                    unary("clone", x -> x.clone().exp(), randn(96, 3)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void gradientMatchesFiniteDifferences(String name, Function<List<Tensor>, Tensor> function, List<Tensor> inputs) {
        GradientCheck.assertGradientsMatch(function, inputs, ATOL, RTOL);
    }
}
