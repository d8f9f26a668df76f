package dev.lipsim.tensor.numerics;

import static dev.lipsim.tensor.numerics.Float32Bounds.U;
import static dev.lipsim.tensor.numerics.Float32Bounds.gamma;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.MemoryFormat;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The op families besides convolution that reach CPU-specific kernels (BLAS and oneDNN matrix
 * products, vectorised pooling, normalisation, softmax, GELU, fused attention), float32 against
 * float64 within bounds from rounding-error analysis, over odd sizes and both layouts.
 */
class OpsNumericsTest {

    /** Sizes on both sides of the vector widths and block sizes kernels use (8, 16, 32, 64). */
    private static final int[] SIZES = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 70};

    private static final UnaryOperator<Tensor> AS_IS = x -> x;

    private static void assertNone(List<String> failures) {
        assertTrue(failures.isEmpty(), () -> Float32Bounds.summary(failures));
    }

    private static Tensor random(Generator generator, long... shape) {
        return Tensor.randn(generator, shape, DType.FLOAT32, Device.CPU);
    }

    private static UnaryOperator<Tensor> layout(boolean channelsLast) {
        return channelsLast ? x -> x.contiguous(MemoryFormat.CHANNELS_LAST) : AS_IS;
    }

    @Test
    void matrixProducts() {
        List<String> failures = new ArrayList<>();
        UnaryOperator<Tensor> transposed = x -> x.transpose(-1, -2).contiguous().transpose(-1, -2);
        for (int k : SIZES) {
            int m = k % 7 + 1 + k / 3;
            int n = (k * 5) % 71 + 1;
            Bilinear.check(failures, "mm [" + m + ", " + k + "] x [" + k + ", " + n + "]", (a, b, bias) -> a.mm(b),
                    new long[] {m, k}, new long[] {k, n}, null, new Bilinear.Terms(k, n, m, 0), AS_IS, k);
            Bilinear.check(failures, "mm, transposed first operand, k " + k, (a, b, bias) -> a.mm(b),
                    new long[] {m, k}, new long[] {k, n}, null, new Bilinear.Terms(k, n, m, 0), transposed, k + 1);
            Bilinear.check(failures, "linear (addmm) [" + m + ", " + k + "] -> " + n, Tensor::linear,
                    new long[] {m, k}, new long[] {n, k}, new long[] {n}, new Bilinear.Terms(k + 1, n, m, m), AS_IS, k + 2);
            Bilinear.check(failures, "linear, 3-d input [3, " + m + ", " + k + "] -> " + n, Tensor::linear,
                    new long[] {3, m, k}, new long[] {n, k}, new long[] {n}, new Bilinear.Terms(k + 1, n, 3L * m, 3L * m),
                    AS_IS, k + 3);
            Bilinear.check(failures, "bmm [4, " + m + ", " + k + "] x [4, " + k + ", " + n + "]", (a, b, bias) -> a.bmm(b),
                    new long[] {4, m, k}, new long[] {4, k, n}, null, new Bilinear.Terms(k, n, m, 0), AS_IS, k + 4);
            Bilinear.check(failures, "matmul, broadcast [2, 3, " + m + ", " + k + "] x [" + k + ", " + n + "]",
                    (a, b, bias) -> a.matmul(b), new long[] {2, 3, m, k}, new long[] {k, n}, null,
                    new Bilinear.Terms(k, n, 6L * m, 0), AS_IS, k + 5);
        }
        // Sizes large enough for the blocked, multi-threaded BLAS paths.
        Bilinear.check(failures, "linear [197, 768] -> 2304", Tensor::linear, new long[] {197, 768},
                new long[] {2304, 768}, new long[] {2304}, new Bilinear.Terms(769, 2304, 197, 197), AS_IS, 99);
        assertNone(failures);
    }

    @Test
    void averagePooling() {
        List<String> failures = new ArrayList<>();
        for (int channels : SIZES) {
            for (boolean channelsLast : new boolean[] {false, true}) {
                int kernel = 2 + channels % 2;
                int stride = 1 + channels % 2;
                int padding = channels % 3 == 0 ? 1 : 0;
                boolean ceil = channels % 4 == 1;
                long[] shape = {1 + channels % 3, channels, 7, 6};
                String name = String.format("avg_pool2d [%d, %d, 7, 6], kernel %d, stride %d, padding %d%s, %s", shape[0],
                        channels, kernel, stride, padding, ceil ? ", ceil" : "", channelsLast ? "channels-last" : "NCHW");
                long window = (long) kernel * kernel;
                // A window's sum and its division; each input gets at most `window` shares of gradients.
                Bilinear.checkLinear(failures, name, x -> x.avgPool2d(new int[] {kernel, kernel}, new int[] {stride, stride},
                        new int[] {padding, padding}, ceil, true, null), shape, window + 1, window + 1, layout(channelsLast),
                        channels);
                Bilinear.checkLinear(failures, "adaptive_avg_pool2d [" + channels + ", 7, 6] -> 3x4, "
                        + (channelsLast ? "channels-last" : "NCHW"), x -> x.adaptiveAvgPool2d(3, 4), shape, 3 * 3 + 1, 13,
                        layout(channelsLast), channels + 100);
            }
        }
        assertNone(failures);
    }

    /** Max pooling does no arithmetic forward, so it must be exact; its gradient sums overlapping windows' shares. */
    @Test
    void maxPooling() {
        List<String> failures = new ArrayList<>();
        for (int channels : SIZES) {
            for (boolean channelsLast : new boolean[] {false, true}) {
                try (var scope = TensorScope.open(); var grad = Autograd.enableGrad()) {
                    Generator generator = new Generator(channels);
                    Tensor x = random(generator, 2, channels, 7, 6);
                    UnaryOperator<Tensor> pool = t -> t.maxPool2d(new int[] {3, 3}, new int[] {1 + channels % 2, 2},
                            new int[] {1, 1}, new int[] {1, 1}, channels % 3 == 0);
                    Tensor x32 = layout(channelsLast).apply(x).detach().requiresGrad(true);
                    Tensor y32 = pool.apply(x32);
                    Tensor dy = random(generator, y32.shape());
                    y32.backward(layout(channelsLast).apply(dy));
                    Tensor x64 = x.to(DType.FLOAT64).requiresGrad(true);
                    Tensor y64 = pool.apply(x64);
                    y64.backward(dy.to(DType.FLOAT64));
                    String name = "max_pool2d [2, " + channels + ", 7, 6], " + (channelsLast ? "channels-last" : "NCHW");
                    Float32Bounds.check(failures, name + " output", y32, y64, y64.zerosLike());
                    Tensor routed = x.to(DType.FLOAT64).requiresGrad(true);
                    pool.apply(routed).backward(dy.to(DType.FLOAT64).abs());
                    Float32Bounds.check(failures, name + " gradient", x32.grad(), x64.grad(), routed.grad().mul(gamma(9)));
                }
            }
        }
        assertNone(failures);
    }

    /**
     * Softmax: the shifted exponentials carry their argument's rounding ({@code u |x - max|}) and
     * the exponential's own (a few ulp; 8u allowed), the sum gamma(n), the division u.
     */
    @Test
    void softmax() {
        List<String> failures = new ArrayList<>();
        for (int n : new int[] {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 64, 70, 197, 1000}) {
            try (var scope = TensorScope.open()) {
                Tensor x = random(new Generator(n), 5, n).mul(4);
                checkSoftmax(failures, "softmax over " + n, x, -1);
            }
        }
        for (int channels : SIZES) {
            for (boolean channelsLast : new boolean[] {false, true}) {
                try (var scope = TensorScope.open()) {
                    Tensor x = layout(channelsLast).apply(random(new Generator(channels), 2, channels, 3, 5).mul(4));
                    checkSoftmax(failures, "softmax over the channels of [2, " + channels + ", 3, 5], "
                            + (channelsLast ? "channels-last" : "NCHW"), x, 1);
                }
            }
        }
        assertNone(failures);
    }

    private static void checkSoftmax(List<String> failures, String name, Tensor x32, int dim) {
        Tensor x64 = x32.to(DType.FLOAT64);
        Tensor y64 = x64.softmax(dim);
        Tensor shifted = x64.sub(x64.max(dim, true).values()).abs();
        Tensor widest = shifted.max(dim, true).values();
        double sum = gamma(x32.size(dim) + 10);
        Tensor bound = y64.mul(shifted.add(widest).mul(U).add(sum));
        Float32Bounds.check(failures, name, x32.softmax(dim), y64, bound);
    }

    /**
     * Exact GELU, {@code x Phi(x)} as {@code 0.5 x (1 + erf(x / sqrt 2))}: erf within a few ulp
     * (4u absolute allowed) and its argument's rounding (u |x|, erf' <= 1.13) bound the error of
     * {@code 1 + erf} by {@code 7u + 0.8u |x|}; times {@code 0.5 |x|}, plus the products' rounding.
     */
    @Test
    void gelu() {
        List<String> failures = new ArrayList<>();
        for (int channels : SIZES) {
            for (boolean channelsLast : new boolean[] {false, true}) {
                try (var scope = TensorScope.open()) {
                    Tensor x = layout(channelsLast).apply(random(new Generator(channels), 2, channels, 3, 5).mul(3));
                    Tensor x64 = x.to(DType.FLOAT64);
                    Tensor y64 = x64.gelu();
                    Tensor absX = x64.abs();
                    Tensor bound = absX.mul(absX.mul(0.4 * U).add(3.5 * U)).add(y64.abs().mul(3 * U));
                    Float32Bounds.check(failures, "gelu [2, " + channels + ", 3, 5], " + (channelsLast ? "channels-last" : "NCHW"),
                            x.gelu(), y64, bound);
                }
            }
        }
        assertNone(failures);
    }

    /**
     * Layer norm, first order: the mean is off by at most {@code gamma(D) mean|x|}, the variance by
     * {@code gamma(4D) (var + mean^2)} (enough for a one-pass formula's cancellation), so
     * {@code 1/sqrt(var + eps)} by half that relative to {@code var + eps} plus 3u; then the
     * centring, scaling and bias add their roundings.
     */
    @Test
    void layerNorm() {
        List<String> failures = new ArrayList<>();
        for (int width : new int[] {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 64, 70, 197, 768}) {
            try (var scope = TensorScope.open()) {
                Generator generator = new Generator(width);
                Tensor x = random(generator, 6, width).add(2.5);
                Tensor weight = random(generator, width);
                Tensor bias = random(generator, width);
                double eps = 1e-6;
                long[] normalized = {width};
                Tensor x64 = x.to(DType.FLOAT64);
                Tensor y64 = x64.layerNorm(normalized, weight.to(DType.FLOAT64), bias.to(DType.FLOAT64), eps);
                Tensor mean = x64.mean(-1, true);
                Tensor centred = x64.sub(mean);
                Tensor variance = centred.square().mean(-1, true);
                Tensor rstd = variance.add(eps).rsqrt();
                Tensor meanError = x64.abs().mean(-1, true).mul(gamma(width));
                Tensor rstdError = variance.add(mean.square()).mul(0.5 * gamma(4L * width)).div(variance.add(eps)).add(3 * U);
                Tensor absWeight = weight.to(DType.FLOAT64).abs();
                Tensor bound = absWeight.mul(rstd).mul(meanError.add(centred.abs().mul(rstdError.add(U))))
                        .add(y64.abs().add(bias.to(DType.FLOAT64).abs()).mul(3 * U));
                Float32Bounds.check(failures, "layer_norm over " + width, x.layerNorm(normalized, weight, bias, eps), y64,
                        bound);
            }
        }
        assertNone(failures);
    }

    /**
     * Scaled dot-product attention (libtorch's fused CPU kernel), bounded through its parts: the
     * scores {@code S = q k^T s} within {@code E = gamma(d+1) |q||k|^T s}; softmax moves by at most
     * {@code P (E + max E)} beyond its own rounding (as in {@link #softmax}, plus gamma(2T) for the
     * online rescaling); the product with {@code v} adds {@code gamma(T) P |v|}.
     */
    @Test
    void scaledDotProductAttention() {
        List<String> failures = new ArrayList<>();
        int[][] shapes = {{1, 1, 1, 8}, {2, 3, 5, 16}, {1, 2, 17, 3}, {2, 2, 33, 64}, {1, 12, 197, 64}, {2, 1, 70, 17}};
        for (int[] s : shapes) {
            try (var scope = TensorScope.open()) {
                Generator generator = new Generator(s[2] * 31L + s[3]);
                long[] shape = {s[0], s[1], s[2], s[3]};
                Tensor q = random(generator, shape);
                Tensor k = random(generator, shape);
                Tensor v = random(generator, shape);
                Tensor out32 = Tensor.scaledDotProductAttention(q, k, v, null, false, null);
                Tensor q64 = q.to(DType.FLOAT64);
                Tensor k64 = k.to(DType.FLOAT64);
                Tensor v64 = v.to(DType.FLOAT64);
                double scale = 1 / Math.sqrt(s[3]);
                Tensor scores = q64.matmul(k64.transpose(-1, -2)).mul(scale);
                Tensor p = scores.softmax(-1);
                Tensor out64 = p.matmul(v64);
                Tensor scoreError = q64.abs().matmul(k64.abs().transpose(-1, -2)).mul(scale * gamma(s[3] + 1L));
                Tensor shifted = scores.sub(scores.max(-1, true).values()).abs();
                Tensor relative = scoreError.add(scoreError.max(-1, true).values()).add(shifted.mul(U))
                        .add(shifted.max(-1, true).values().mul(U)).add(gamma(3L * s[2] + 10));
                Tensor absV = v64.abs();
                Tensor bound = p.mul(relative).matmul(absV).add(p.matmul(absV).mul(gamma(s[2])));
                Float32Bounds.check(failures, "scaled_dot_product_attention " + java.util.Arrays.toString(s), out32, out64,
                        bound);
            }
        }
        assertNone(failures);
    }
}
