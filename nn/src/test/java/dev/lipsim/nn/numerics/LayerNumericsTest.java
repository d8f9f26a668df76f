package dev.lipsim.nn.numerics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.nn.Module;
import dev.lipsim.nn.Parameter;
import dev.lipsim.nn.lipschitz.QRescaling;
import dev.lipsim.nn.lipschitz.SllConv2d;
import dev.lipsim.nn.lipschitz.SllLinear;
import dev.lipsim.nn.vit.VisionTransformer;
import dev.lipsim.nn.vit.VitConfig;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.MemoryFormat;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The layers LipSim is made of, float32 against a float64 copy of the same parameters: output,
 * input gradient and every parameter gradient, over channel counts 1 to 70 and both layouts.
 *
 * <p>Each op inside is checked elementwise against its rounding bound in the tensor module's
 * numerics suite; a layer chains a handful of them (convolutions of at most {@code 9 C} terms, a
 * Gram product, a rescaling), whose float32 rounding errors are independent and of either sign,
 * so their relative l2 size grows like {@code sqrt(terms) u} per op. {@code 1e-5} allows more
 * than ten times that for the largest layer here ({@code sqrt(9 * 70) u = 1.5e-6}) and is four
 * orders of magnitude below the errors of a wrong kernel (0.1 and more, or NaN).
 */
class LayerNumericsTest {

    private static final double TOLERANCE = 1e-5;

    /**
     * The SLL rescaling's {@code q} enters {@code T_i} as {@code exp(q_j - q_i)}: the diagonal term
     * is constant in {@code q}, so its two contributions to the gradient of {@code q_i} cancel
     * exactly, and float32 leaves a residue of a few {@code u} of that term, which for two or
     * three channels is about half of {@code T_i} while the gradient itself is far smaller. Its
     * relative error is therefore larger (5.6e-6 measured at 2 channels, 1e-6 and below from 4);
     * 1e-4 still sits three orders of magnitude below a wrong kernel's.
     */
    private static final double CANCELLING_TOLERANCE = 1e-4;

    /** Relative l2 errors above {@link #TOLERANCE} (or NaN), named. */
    private static List<String> failures(String name, Supplier<Module> layer, long[] inputShape, boolean channelsLast,
            long seed) {
        List<String> failures = new ArrayList<>();
        try (Module single = layer.get(); Module reference = layer.get().to(DType.FLOAT64);
                var scope = TensorScope.open(); var grad = Autograd.enableGrad()) {
            Generator generator = new Generator(seed);
            Tensor x = Tensor.randn(generator, inputShape, DType.FLOAT32, Device.CPU);
            Tensor x32 = (channelsLast ? x.contiguous(MemoryFormat.CHANNELS_LAST) : x).detach().requiresGrad(true);
            Tensor x64 = x.to(DType.FLOAT64).requiresGrad(true);
            Tensor y32 = single.forward(x32);
            Tensor y64 = reference.forward(x64);
            Tensor dy = Tensor.randn(generator, y64.shape(), DType.FLOAT32, Device.CPU);
            y32.backward(dy);
            y64.backward(dy.to(DType.FLOAT64));
            compare(failures, name + " output", y32, y64);
            compare(failures, name + " input gradient", x32.grad(), x64.grad());
            Map<String, Parameter> theirs = reference.namedParameters();
            single.namedParameters().forEach((parameter, p) -> {
                if (p.grad() != null) {
                    compare(failures, name + " gradient of " + parameter, p.grad(), theirs.get(parameter).grad(),
                            parameter.equals("q") ? CANCELLING_TOLERANCE : TOLERANCE);
                }
            });
        }
        return failures;
    }

    private static void compare(List<String> failures, String what, Tensor single, Tensor reference) {
        compare(failures, what, single, reference, TOLERANCE);
    }

    private static void compare(List<String> failures, String what, Tensor single, Tensor reference, double tolerance) {
        double error = single.to(DType.FLOAT64).sub(reference).norm().item() / reference.norm().item();
        if (!(error <= tolerance)) {
            failures.add(String.format("%s: relative l2 error %.2e", what, error));
        }
    }

    private static void assertNone(List<String> failures) {
        assertTrue(failures.isEmpty(), () -> failures.size() + " failures:\n  "
                + String.join("\n  ", failures.subList(0, Math.min(12, failures.size()))));
    }

    @Test
    void sllConvolutionAtEveryChannelCount() {
        List<String> failures = new ArrayList<>();
        for (int channels = 1; channels <= 70; channels++) {
            int c = channels;
            int inner = channels % 5 == 0 ? channels + 3 : channels;
            QRescaling rescaling = channels % 2 == 0 ? QRescaling.SLL : QRescaling.REFERENCE;
            long[] shape = {1 + channels % 3, channels, 4 + channels % 4, 5};
            for (boolean channelsLast : new boolean[] {false, true}) {
                failures.addAll(failures("SllConv2d(" + c + ", " + inner + ", " + rescaling + ") on "
                        + java.util.Arrays.toString(shape) + (channelsLast ? " channels-last" : ""),
                        () -> new SllConv2d(c, inner, rescaling, new Generator(c)), shape, channelsLast, c));
            }
        }
        assertNone(failures);
    }

    @Test
    void sllLinearAtOddWidths() {
        List<String> failures = new ArrayList<>();
        for (int features : new int[] {1, 2, 3, 7, 15, 16, 17, 31, 33, 45, 64, 70, 129}) {
            int inner = features + features % 3;
            failures.addAll(failures("SllLinear(" + features + ", " + inner + ")",
                    () -> new SllLinear(features, inner, new Generator(features)), new long[] {5, features}, false, features));
        }
        assertNone(failures);
    }

    /** A small ViT (patch embedding convolution, attention, MLP, layer norms), widths not multiples of 16. */
    @Test
    void visionTransformer() {
        List<String> failures = new ArrayList<>();
        for (VitConfig config : List.of(
                new VitConfig(32, 8, 24, 2, 2, 40, 1e-6, VitConfig.Activation.GELU, false, 0),
                new VitConfig(28, 7, 30, 1, 3, 50, 1e-5, VitConfig.Activation.QUICK_GELU, true, 17))) {
            for (boolean channelsLast : new boolean[] {false, true}) {
                failures.addAll(failures("ViT " + config + (channelsLast ? " channels-last" : ""),
                        () -> new VisionTransformer(config, new Generator(config.width())),
                        new long[] {2, 3, config.imageSize(), config.imageSize()}, channelsLast, config.width()));
            }
        }
        assertNone(failures);
    }
}
