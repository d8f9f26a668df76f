package dev.lipsim.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.lipsim.nn.Module;
import dev.lipsim.nn.lipschitz.BjorckLinear;
import dev.lipsim.nn.lipschitz.ChannelPadding;
import dev.lipsim.nn.lipschitz.GroupSort;
import dev.lipsim.nn.lipschitz.Lipschitz;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** Norm-preserving layers keep every singular value within 1e-4 of 1. */
class OrthogonalityPropertiesTest {

    private static final double TOLERANCE = 1e-4;

    private static void assertSingularValuesNearOne(Tensor singular, String what) {
        assertEquals(1, singular.max().item(), TOLERANCE, what + " largest singular value");
        assertEquals(1, singular.min().item(), TOLERANCE, what + " smallest singular value");
    }

    @Test
    void bjorckWeightsAreOrthonormal() {
        Checks.theory().forAll(integers().between(1, 8), integers().between(1, 8), longs().all()).checkAssert((in, out, seed) -> {
            try (var scope = TensorScope.open(); BjorckLinear layer = new BjorckLinear(in, out, false, 60, new Generator(seed))) {
                layer.to(DType.FLOAT64);
                assertSingularValuesNearOne(layer.orthonormalWeight().svdvals(), "Björck " + in + " -> " + out);
                assertTrue(layer.orthogonalityError() < TOLERANCE);
            }
        });
    }

    @Test
    void groupSortAndPaddingJacobiansAreIsometries() {
        Checks.theory().forAll(integers().between(1, 4), integers().between(0, 3), longs().all()).checkAssert((groups, extra, seed) -> {
            try (var scope = TensorScope.open(); Module sort = new GroupSort(2); Module pad = new ChannelPadding(groups + extra)) {
                Tensor x = Tensor.randn(new Generator(seed), new long[] {1, 2L * groups}, DType.FLOAT64, Device.CPU);
                assertSingularValuesNearOne(Lipschitz.jacobian(sort, x).svdvals(), "GroupSort");
                Tensor image = Tensor.randn(new Generator(seed), new long[] {1, groups, 2, 2}, DType.FLOAT64, Device.CPU);
                assertSingularValuesNearOne(Lipschitz.jacobian(pad, image).svdvals(), "channel padding");
            }
        });
    }
}
