package dev.lipsim.properties;

import static dev.lipsim.properties.Checks.BOUND;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.lipsim.nn.Conv2d;
import dev.lipsim.nn.Linear;
import dev.lipsim.nn.Module;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Generator;
import org.junit.jupiter.api.Test;

/**
 * The same properties on layers that are not 1-Lipschitz must fail, and QuickTheories must
 * shrink the failure to the smallest configuration: otherwise the properties prove nothing.
 */
class NegativeControlsTest {

    /** A configuration of an unconstrained layer. */
    record Sizes(int in, int out, int spatial) {}

    private static Module largeLinear(Sizes sizes) {
        Linear linear = new Linear(sizes.in(), sizes.out(), true, new Generator(1));
        linear.to(DType.FLOAT64);
        try (var noGrad = Autograd.noGrad()) {
            linear.weight().value().fill_(2);
        }
        return linear;
    }

    private static Module largeConvolution(Sizes sizes) {
        Conv2d conv = new Conv2d(sizes.in(), sizes.out(), 3, 1, 1, true, new Generator(1));
        conv.to(DType.FLOAT64);
        try (var noGrad = Autograd.noGrad()) {
            conv.weight().value().fill_(2);
        }
        return conv;
    }

    @Test
    void largeLinearFailsAndShrinksToOneByOne() {
        AssertionError failure = assertThrows(AssertionError.class, () -> Checks.theory()
                .forAll(integers().between(1, 6).zip(integers().between(1, 6), (in, out) -> new Sizes(in, out, 0)), longs().all())
                .checkAssert((sizes, seed) -> {
                    try (Module layer = largeLinear(sizes)) {
                        long[] shape = {1, sizes.in()};
                        double ratio = Checks.randomPairsRatio(layer, shape, seed, 4);
                        assertTrue(ratio <= BOUND && Checks.jacobianNorm(layer, shape, seed) <= BOUND, "ratio " + ratio);
                    }
                }));
        assertTrue(failure.getMessage().contains("Sizes[in=1, out=1, spatial=0]"), failure.getMessage());
    }

    @Test
    void largeConvolutionFailsAndShrinksToTheSmallestInput() {
        AssertionError failure = assertThrows(AssertionError.class, () -> Checks.theory()
                .forAll(integers().between(1, 3).zip(integers().between(1, 3), integers().between(1, 5), Sizes::new), longs().all())
                .checkAssert((sizes, seed) -> {
                    try (Module layer = largeConvolution(sizes)) {
                        long[] shape = {1, sizes.in(), sizes.spatial(), sizes.spatial()};
                        assertTrue(Checks.jacobianNorm(layer, shape, seed) <= BOUND);
                    }
                }));
        assertTrue(failure.getMessage().contains("Sizes[in=1, out=1, spatial=1]"), failure.getMessage());
    }
}
