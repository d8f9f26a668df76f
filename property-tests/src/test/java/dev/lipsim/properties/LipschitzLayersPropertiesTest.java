package dev.lipsim.properties;

import static dev.lipsim.properties.Checks.BOUND;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.lipsim.nn.Module;
import dev.lipsim.nn.lipschitz.AolConv2d;
import dev.lipsim.nn.lipschitz.AolLinear;
import dev.lipsim.nn.lipschitz.BjorckLinear;
import dev.lipsim.nn.lipschitz.ChannelPadding;
import dev.lipsim.nn.lipschitz.Embeddings;
import dev.lipsim.nn.lipschitz.GroupSort;
import dev.lipsim.nn.lipschitz.LipschitzPooling;
import dev.lipsim.nn.lipschitz.QRescaling;
import dev.lipsim.nn.lipschitz.SllConv2d;
import dev.lipsim.nn.lipschitz.SllLinear;
import dev.lipsim.nn.lipschitz.SpectralNormConv2d;
import dev.lipsim.nn.lipschitz.SpectralNormLinear;
import dev.lipsim.nn.lipschitz.Truncation;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Generator;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Every 1-Lipschitz layer, over generated configurations and parameters, in float64: random
 * pairs stay within the bound, the exact Jacobian's spectral norm does too, and so does the
 * layer after Adam steps that try to raise its Lipschitz constant.
 */
class LipschitzLayersPropertiesTest {

    private static final int PAIRS = 6;
    private static final int TRAINING_STEPS = 5;

    /** A layer and the input shape it takes. */
    record Case(String name, Supplier<Module> layer, long[] inputShape) {
        @Override
        public String toString() {
            return name + java.util.Arrays.toString(inputShape);
        }
    }

    private static Module float64(Module module) {
        return module.to(DType.FLOAT64);
    }

    private static void assertOneLipschitz(Case c, long seed) {
        try (Module layer = c.layer().get()) {
            double pairs = Checks.randomPairsRatio(layer, c.inputShape(), seed, PAIRS);
            assertTrue(pairs <= BOUND, c + ": random pairs reach ratio " + pairs);
            double jacobian = Checks.jacobianNorm(layer, c.inputShape(), seed + 7);
            assertTrue(jacobian <= BOUND, c + ": Jacobian spectral norm " + jacobian);
            if (!layer.parameters().isEmpty()) {
                double trained = Checks.afterAdversarialTraining(layer, c.inputShape(), seed + 11, TRAINING_STEPS);
                assertTrue(trained <= BOUND, c + ": after adversarial training the ratio reaches " + trained);
            }
        }
    }

    private static void check(Gen<Case> cases) {
        Checks.theory().forAll(cases, longs().all()).checkAssert(LipschitzLayersPropertiesTest::assertOneLipschitz);
    }

    @Test
    void sllConvolution() {
        check(integers().between(1, 4).zip(integers().between(1, 4), integers().between(3, 6), booleans().all(),
                (channels, inner, size, paper) -> new Case("SllConv2d(" + channels + ", " + inner + ", " + paper + ")",
                        () -> float64(new SllConv2d(channels, inner, paper ? QRescaling.SLL : QRescaling.REFERENCE,
                                new Generator(channels * 31L + inner))), new long[] {1, channels, size, size})));
    }

    @Test
    void sllLinear() {
        check(integers().between(1, 8).zip(integers().between(1, 8), (features, inner) ->
                new Case("SllLinear(" + features + ", " + inner + ")",
                        () -> float64(new SllLinear(features, inner, new Generator(features * 17L + inner))),
                        new long[] {1, features})));
    }

    @Test
    void aolLinearAndConvolution() {
        check(integers().between(1, 6).zip(integers().between(1, 6), (in, out) -> new Case("AolLinear(" + in + ", " + out + ")",
                () -> float64(new AolLinear(in, out, true, new Generator(in * 13L + out))), new long[] {1, in})));
        check(integers().between(1, 3).zip(integers().between(1, 3), integers().between(0, 1), integers().between(3, 5),
                (in, out, k, size) -> new Case("AolConv2d(" + in + ", " + out + ", " + (2 * k + 1) + ")",
                        () -> float64(new AolConv2d(in, out, 2 * k + 1, true, new Generator(in * 7L + out))),
                        new long[] {1, in, size, size})));
    }

    @Test
    void spectralNormalisationInEvalMode() {
        check(integers().between(1, 6).zip(integers().between(1, 6), (in, out) -> new Case("SpectralNormLinear(" + in + ", " + out + ")",
                () -> float64(new SpectralNormLinear(in, out, true, new Generator(in * 5L + out))).eval(), new long[] {1, in})));
    }

    @Test
    void spectralNormalisedConvolutionInEvalMode() {
        check(integers().between(1, 3).zip(integers().between(1, 3), integers().between(0, 1), integers().between(2, 5),
                (in, out, k, size) -> new Case("SpectralNormConv2d(" + in + ", " + out + ", " + (2 * k + 1) + ")",
                        () -> float64(new SpectralNormConv2d(in, out, 2 * k + 1, size, size, true, new Generator(in * 11L + out)))
                                .eval(), new long[] {1, in, size, size})));
    }

    @Test
    void bjorckOrthonormalLinear() {
        check(integers().between(1, 6).zip(integers().between(1, 6), (in, out) -> new Case("BjorckLinear(" + in + ", " + out + ")",
                () -> float64(new BjorckLinear(in, out, true, 40, new Generator(in * 3L + out))), new long[] {1, in})));
    }

    @Test
    void parameterFreeMaps() {
        check(integers().between(1, 4).map(groups -> new Case("GroupSort(2) x " + groups,
                GroupSort::maxMin, new long[] {1, 2L * groups})));
        check(integers().between(1, 3).zip(integers().between(2, 3), (groups, size) -> new Case("GroupSort(" + size + ")",
                () -> new GroupSort(size), new long[] {1, (long) groups * size})));
        check(integers().between(1, 6).map(features -> new Case("unit ball", Embeddings::unitBallProjection, new long[] {1, features})));
        check(integers().between(1, 6).map(features -> new Case("append one", Embeddings::appendOneAndNormalize,
                new long[] {1, features})));
        check(integers().between(2, 3).zip(integers().between(1, 2), (window, tiles) -> new Case("pool " + window,
                () -> new LipschitzPooling(window), new long[] {1, 2, (long) window * tiles, (long) window * tiles})));
        check(integers().between(1, 3).zip(integers().between(0, 3), (channels, extra) -> new Case("pad",
                () -> new ChannelPadding(channels + extra), new long[] {1, channels, 2, 2})));
        check(integers().between(1, 5).zip(integers().between(0, 3), (kept, dropped) -> new Case("truncate",
                () -> new Truncation(kept), new long[] {1, (long) kept + dropped})));
    }
}
