package dev.lipsim.tensor.numerics;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.lipsim.tensor.MemoryFormat;
import dev.lipsim.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * conv2d and conv_transpose2d, with their input, weight and bias gradients, float32 against
 * float64 within the rounding bounds of {@link Bilinear}: every channel count from 1 to 70 in
 * both memory layouts, and generated geometries (groups, stride, padding, dilation, output padding,
 * rectangular kernels and images, single pixels) that QuickTheories shrinks to the smallest failing one.
 */
class ConvolutionNumericsTest {

    /** One convolution: {@code transposed} or not, its shapes and geometry, and the caller's layout. */
    record Case(boolean transposed, int batch, int in, int out, int height, int width, int kernelHeight,
            int kernelWidth, int stride, int padding, int dilation, int outputPadding, int groups, boolean channelsLast) {

        long outputHeight() {
            return outputSize(height, kernelHeight);
        }

        long outputWidth() {
            return outputSize(width, kernelWidth);
        }

        private long outputSize(int size, int kernel) {
            long reach = (long) dilation * (kernel - 1);
            return transposed ? (long) (size - 1) * stride - 2L * padding + reach + outputPadding + 1
                    : Math.floorDiv(size + 2L * padding - reach - 1, stride) + 1;
        }

        boolean valid() {
            return outputHeight() >= 1 && outputWidth() >= 1 && (!transposed || outputPadding < Math.max(stride, dilation));
        }

        @Override
        public String toString() {
            return String.format("%s [%d, %d, %d, %d] -> %d channels, kernel %dx%d, stride %d, padding %d, dilation %d%s, "
                    + "groups %d, %s", transposed ? "conv_transpose2d" : "conv2d", batch, in, height, width, out,
                    kernelHeight, kernelWidth, stride, padding, dilation, transposed ? ", output padding " + outputPadding : "",
                    groups, channelsLast ? "channels-last" : "NCHW");
        }
    }

    /** The float32 failures of one case (none: an empty list). */
    static List<String> failures(Case c) {
        int[] stride = {c.stride, c.stride};
        int[] padding = {c.padding, c.padding};
        int[] dilation = {c.dilation, c.dilation};
        long[] input = {c.batch, c.in, c.height, c.width};
        long[] weight = c.transposed ? new long[] {c.in, c.out / c.groups, c.kernelHeight, c.kernelWidth}
                : new long[] {c.out, c.in / c.groups, c.kernelHeight, c.kernelWidth};
        Bilinear.Op op = c.transposed
                ? (x, w, b) -> x.convTranspose2d(w, b, stride, padding, new int[] {c.outputPadding, c.outputPadding},
                        dilation, c.groups)
                : (x, w, b) -> x.conv2d(w, b, stride, padding, dilation, c.groups);
        long kernel = (long) c.kernelHeight * c.kernelWidth;
        // Per output element: its group's input channels times the kernel, plus the bias; per input
        // element, the group's output channels times the kernel; per weight, every position of every image.
        long positions = (long) c.batch * Math.max((long) c.height * c.width, c.outputHeight() * c.outputWidth());
        var terms = new Bilinear.Terms(c.in / c.groups * kernel + 1, c.out / c.groups * kernel, positions,
                c.batch * c.outputHeight() * c.outputWidth());
        UnaryOperator<Tensor> layout = c.channelsLast ? x -> x.contiguous(MemoryFormat.CHANNELS_LAST) : x -> x;
        List<String> failures = new ArrayList<>();
        Bilinear.check(failures, c.toString(), op, input, weight, new long[] {c.out}, terms, layout, c.hashCode());
        return failures;
    }

    /**
     * Each channel count from 1 to 70 as input and output, square and not, in both layouts, with
     * batch and image sizes that vary with it (one pixel included).
     */
    static List<Case> channelSweep() {
        int[][] images = {{5, 7}, {1, 1}, {6, 6}, {3, 9}, {8, 5}, {1, 6}};
        List<Case> cases = new ArrayList<>();
        for (int channels = 1; channels <= 70; channels++) {
            int[] image = images[channels % images.length];
            int batch = 1 + channels % 3;
            int other = channels % 70 + 1 + channels % 7;
            for (boolean channelsLast : new boolean[] {false, true}) {
                cases.add(new Case(false, batch, channels, channels, image[0], image[1], 3, 3, 1, 1, 1, 0, 1, channelsLast));
                cases.add(new Case(false, batch, other, channels, image[0], image[1], 3, 3, 1, 1, 1, 0, 1, channelsLast));
                cases.add(new Case(true, batch, channels, other, image[0], image[1], 3, 3, 1, 1, 1, 0, 1, channelsLast));
            }
        }
        return cases;
    }

    static List<String> sweepFailures(List<Case> cases) {
        List<String> failures = new ArrayList<>();
        cases.forEach(c -> failures.addAll(failures(c)));
        return failures;
    }

    @Test
    void everyChannelCountInBothLayouts() {
        List<String> failures = sweepFailures(channelSweep());
        assertTrue(failures.isEmpty(), () -> Float32Bounds.summary(failures));
    }

    @Test
    void generatedGeometries() {
        qt().withExamples(300).withShrinkCycles(200).forAll(cases()).assuming(Case::valid)
                .checkAssert(c -> {
                    List<String> failures = failures(c);
                    assertTrue(failures.isEmpty(), () -> Float32Bounds.summary(failures));
                });
    }

    private static Gen<Case> cases() {
        Gen<int[]> sizes = integers().between(1, 4).zip(integers().between(1, 12), integers().between(1, 12),
                integers().between(1, 3), (batch, in, out, groups) -> new int[] {batch, in * groups, out * groups, groups});
        Gen<int[]> image = integers().between(1, 9).zip(integers().between(1, 9), integers().between(1, 4),
                integers().between(1, 4), (height, width, kh, kw) -> new int[] {height, width, kh, kw});
        Gen<int[]> geometry = integers().between(1, 3).zip(integers().between(0, 2), integers().between(1, 2),
                integers().between(0, 2), (stride, padding, dilation, outputPadding) ->
                        new int[] {stride, padding, dilation, outputPadding});
        Gen<boolean[]> flags = integers().between(0, 3).map(bits -> new boolean[] {(bits & 1) != 0, (bits & 2) != 0});
        return sizes.zip(image, geometry, flags, (s, i, g, f) -> new Case(f[0], s[0], s[1], s[2], i[0], i[1], i[2], i[3],
                g[0], g[1], g[2], f[0] ? g[3] : 0, s[3], f[1]));
    }
}
