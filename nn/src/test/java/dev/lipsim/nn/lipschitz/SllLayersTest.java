package dev.lipsim.nn.lipschitz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.nn.Module;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SLL layers against the reference formulas run in PyTorch (fixture made by make_sll_fixture.py). */
class SllLayersTest {

    private static final Path FIXTURE = Path.of("src/test/resources/fixtures/sll_reference.safetensors");

    @Test
    void convolutionMatchesTheReferenceInBothRescalings() throws IOException {
        try (var scope = TensorScope.open()) {
            Map<String, Tensor> f = SafeTensors.read(FIXTURE).tensors();
            for (QRescaling rescaling : QRescaling.values()) {
                try (SllConv2d layer = new SllConv2d(4, 5, rescaling, new Generator(0))) {
                    layer.to(DType.FLOAT64);
                    layer.loadStateDict(Map.of("kernel", f.get("conv.kernel"), "bias", f.get("conv.bias"), "q", f.get("conv.q")));
                    Tensor expected = f.get(rescaling == QRescaling.REFERENCE ? "conv.y_reference" : "conv.y_sll");
                    assertMatchesWithAndWithoutGrad(expected, layer, f.get("conv.x"), rescaling.name());
                }
            }
            assertTrue(f.get("conv.y_reference").sub(f.get("conv.y_sll")).abs().max().item() > 1e-3,
                    "q matters in the SLL rescaling");
        }
    }

    @Test
    void convolutionGradientsMatchTheReference() throws IOException {
        try (var scope = TensorScope.open(); SllConv2d layer = new SllConv2d(4, 5, QRescaling.REFERENCE, new Generator(0))) {
            Map<String, Tensor> f = SafeTensors.read(FIXTURE).tensors();
            layer.to(DType.FLOAT64);
            layer.loadStateDict(Map.of("kernel", f.get("conv.kernel"), "bias", f.get("conv.bias"), "q", f.get("conv.q")));
            assertGradientsMatch(f, "conv", layer, List.of("kernel", "bias"));
        }
    }

    @Test
    void linearMatchesTheReference() throws IOException {
        try (var scope = TensorScope.open(); SllLinear layer = new SllLinear(10, 6, new Generator(0))) {
            Map<String, Tensor> f = SafeTensors.read(FIXTURE).tensors();
            layer.to(DType.FLOAT64);
            layer.loadStateDict(Map.of("weight", f.get("linear.weight"), "bias", f.get("linear.bias"), "q", f.get("linear.q")));
            assertMatchesWithAndWithoutGrad(f.get("linear.y"), layer, f.get("linear.x"), "linear");
            assertGradientsMatch(f, "linear", layer, List.of("weight", "bias", "q"));
        }
    }

    /** Recorded by autograd (rescaling computed afresh), then without (cached rescaling, residual added in place). */
    private static void assertMatchesWithAndWithoutGrad(Tensor expected, Module layer, Tensor x, String what) {
        assertArrayEquals(expected.toDoubleArray(), layer.forward(x).toDoubleArray(), 1e-12, what + " with grad");
        try (var noGrad = Autograd.noGrad()) {
            for (int pass = 0; pass < 2; pass++) {
                assertArrayEquals(expected.toDoubleArray(), layer.forward(x).toDoubleArray(), 1e-12, what + " no grad, pass " + pass);
            }
        }
    }

    /** Gradients of {@code sum(y * linspace(-1, 1))} with respect to the input and the named parameters. */
    private static void assertGradientsMatch(Map<String, Tensor> f, String prefix, Module layer, List<String> parameters) {
        Tensor x = f.get(prefix + ".x").clone().requiresGrad(true);
        Tensor y = layer.forward(x);
        Tensor weights = Tensor.arange(-1, 1 + 1e-9, 2.0 / (y.numel() - 1), DType.FLOAT64, Device.CPU).reshape(y.shape());
        y.mul(weights).sum().backward();
        assertArrayEquals(f.get(prefix + ".grad.x").toDoubleArray(), x.grad().toDoubleArray(), 1e-10, prefix + " input gradient");
        for (String name : parameters) {
            assertArrayEquals(f.get(prefix + ".grad." + name).toDoubleArray(),
                    layer.namedParameters().get(name).grad().toDoubleArray(), 1e-10, prefix + " " + name + " gradient");
        }
        layer.zeroGrad();
    }

    @Test
    void checkpointNamesAndShapes() {
        try (var scope = TensorScope.open(); SllConv2d conv = new SllConv2d(45, 5, QRescaling.REFERENCE, new Generator(1));
                SllLinear linear = new SllLinear(8820, 1024, new Generator(2))) {
            assertEquals(List.of("kernel", "bias", "q"), List.copyOf(conv.stateDict().keySet()));
            assertArrayEquals(new long[] {5, 45, 3, 3}, conv.stateDict().get("kernel").shape());
            assertArrayEquals(new long[] {1, 5, 1, 1}, conv.stateDict().get("bias").shape());
            assertArrayEquals(new long[] {5}, conv.stateDict().get("q").shape());
            assertEquals(List.of("weight", "bias", "q"), List.copyOf(linear.stateDict().keySet()));
            assertArrayEquals(new long[] {1024, 8820}, linear.stateDict().get("weight").shape());
            assertArrayEquals(new long[] {1, 1024}, linear.stateDict().get("bias").shape());
        }
    }

    @Test
    void buildingBlocks() {
        try (var scope = TensorScope.open()) {
            Tensor rgb = Tensor.rand(2, 3, 4, 4);
            Tensor padded = new ChannelPadding(5).forward(rgb);
            assertArrayEquals(new long[] {2, 5, 4, 4}, padded.shape());
            assertEquals(rgb.norm().item(), padded.norm().item(), 1e-6, "isometric");
            assertEquals(0, padded.narrow(1, 3, 2).abs().sum().item());
            Tensor pooled = new LipschitzPooling(4).forward(Tensor.ones(1, 1, 8, 8));
            assertArrayEquals(new double[] {4, 4, 4, 4}, pooled.toDoubleArray(), "window sums of 16 ones divided by 4");
            Tensor features = Tensor.of(new float[] {1, 2, 3, 4}, 1, 4);
            assertArrayEquals(new float[] {1, 2}, new Truncation(2).forward(features).toFloatArray());
            Tensor sorted = new GroupSort(2).forward(Tensor.of(new float[] {1, 3, 5, 2}, 1, 4));
            assertArrayEquals(new float[] {3, 1, 5, 2}, sorted.toFloatArray());
            Tensor x = Tensor.of(new double[] {3, 4, 0.3, 0.4}, 2, 2);
            assertArrayEquals(new double[] {0.6, 0.8, 0.3, 0.4}, Embeddings.unitBallProjection().forward(x).toDoubleArray(), 1e-12);
            Tensor withOne = Embeddings.appendOneAndNormalize().forward(x);
            double n = Math.sqrt(26);
            assertArrayEquals(new double[] {3 / n, 4 / n, 1 / n}, withOne.select(0, 0).toDoubleArray(), 1e-12);
        }
    }
}
