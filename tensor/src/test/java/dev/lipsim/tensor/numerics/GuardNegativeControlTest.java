package dev.lipsim.tensor.numerics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lipsim.tensor.ConvolutionCheck;
import dev.lipsim.tensor.ConvolutionPath;
import dev.lipsim.tensor.CpuConvolutions;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The suite's teeth: it fails with the guard off where the CPU is affected, and its bounds are tight. */
class GuardNegativeControlTest {

    @Test
    void withTheGuardOffTheSweepFindsTheWrongKernels() {
        ConvolutionCheck check = CpuConvolutions.check();
        assumeTrue(check.path() != ConvolutionPath.CALLER_LAYOUT, "this CPU's convolutions are right in the caller's "
                + "layout (the self-check found nothing to guard against), so there is no defect to find");
        CpuConvolutions.usePath(ConvolutionPath.CALLER_LAYOUT);
        try {
            List<ConvolutionNumericsTest.Case> rowMajor = ConvolutionNumericsTest.channelSweep().stream()
                    .filter(c -> !c.channelsLast()).toList();
            assertFalse(ConvolutionNumericsTest.sweepFailures(rowMajor).isEmpty(),
                    "the self-check found the caller's layout wrong (" + check.trials().getFirst() + ") but the sweep passed");
        } finally {
            CpuConvolutions.usePath(null);
        }
    }

    /** A float32 product off by one part in 10^5 in one element is caught; the exact float32 result is not. */
    @Test
    void boundsCatchSmallErrors() {
        try (var scope = TensorScope.open()) {
            Generator generator = new Generator(5);
            Tensor a = Tensor.randn(generator, new long[] {17, 33}, DType.FLOAT32, Device.CPU);
            Tensor b = Tensor.randn(generator, new long[] {33, 9}, DType.FLOAT32, Device.CPU);
            Tensor a64 = a.to(DType.FLOAT64);
            Tensor b64 = b.to(DType.FLOAT64);
            Tensor exact = a64.mm(b64);
            Tensor bound = a64.abs().mm(b64.abs()).mul(Float32Bounds.gamma(33));
            assertNull(Float32Bounds.violation("mm", a.mm(b), exact, bound));
            double[] values = exact.toDoubleArray();
            int worst = 0;
            for (int i = 0; i < values.length; i++) {
                worst = Math.abs(values[i]) > Math.abs(values[worst]) ? i : worst;
            }
            values[worst] *= 1 + 1e-5;
            Tensor perturbed = Tensor.of(values, 17, 9).to(DType.FLOAT32);
            assertNotNull(Float32Bounds.violation("mm, perturbed", perturbed, exact, bound));
        }
    }
}
