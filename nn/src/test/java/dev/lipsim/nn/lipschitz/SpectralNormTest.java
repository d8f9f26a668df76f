package dev.lipsim.nn.lipschitz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import org.junit.jupiter.api.Test;

class SpectralNormTest {

    @Test
    void linearEvalModeHasUnitSpectralNormAndTrainingConverges() {
        try (var scope = TensorScope.open(); SpectralNormLinear layer = new SpectralNormLinear(5, 4, false, new Generator(1))) {
            layer.to(DType.FLOAT64);
            layer.eval();
            assertEquals(1, layer.normalizedWeight().svdvals().max().item(), 1e-12);
            layer.train();
            for (int i = 0; i < 200; i++) {
                try (var step = TensorScope.open()) {
                    layer.normalizedWeight();
                }
            }
            assertEquals(1, layer.normalizedWeight().svdvals().max().item(), 1e-6, "power iteration converges");
        }
    }

    @Test
    void trainingThroughTwoForwardPassesBackpropagates() {
        try (var scope = TensorScope.open(); SpectralNormLinear linear = new SpectralNormLinear(3, 2, true, new Generator(4));
                SpectralNormConv2d conv = new SpectralNormConv2d(1, 2, 3, 4, 4, true, new Generator(5))) {
            Tensor x = Tensor.rand(2, 3);
            linear.forward(x).add(linear.forward(x)).sum().backward();
            assertTrue(linear.parameters().get(0).grad() != null);
            Tensor image = Tensor.rand(1, 1, 4, 4);
            conv.forward(image).add(conv.forward(image)).sum().backward();
            assertTrue(conv.parameters().get(0).grad() != null);
        }
    }

    @Test
    void convolutionBoundIsAboveTheTrueNormAndTight() {
        try (var scope = TensorScope.open();
                SpectralNormConv2d layer = new SpectralNormConv2d(2, 3, 3, 6, 6, false, new Generator(2))) {
            layer.to(DType.FLOAT64);
            double bound = layer.normBound().item();
            // The exact norm of the unnormalised convolution on a 6 x 6 input, from its Jacobian.
            layer.eval();
            Tensor x = Tensor.randn(new Generator(3), new long[] {1, 2, 6, 6}, DType.FLOAT64, Device.CPU);
            double normalised = Lipschitz.jacobianNorm(layer, x);
            double exact = normalised * bound;
            assertTrue(exact <= bound * (1 + 1e-9), "bound " + bound + " below the exact norm " + exact);
            assertTrue(exact > 0.8 * bound, "bound " + bound + " far above the exact norm " + exact);
            assertThrows(IllegalArgumentException.class, () -> layer.forward(Tensor.zeros(new long[] {1, 2, 7, 7},
                    DType.FLOAT64, Device.CPU)));
        }
    }
}
