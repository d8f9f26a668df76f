package dev.lipsim.properties;

import static dev.lipsim.properties.Checks.BOUND;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.lipsim.nn.Layers;
import dev.lipsim.nn.Module;
import dev.lipsim.nn.Sequential;
import dev.lipsim.nn.lipschitz.ChannelPadding;
import dev.lipsim.nn.lipschitz.Embeddings;
import dev.lipsim.nn.lipschitz.Lipschitz;
import dev.lipsim.nn.lipschitz.LipschitzPooling;
import dev.lipsim.nn.lipschitz.QRescaling;
import dev.lipsim.nn.lipschitz.SllConv2d;
import dev.lipsim.nn.lipschitz.SllLinear;
import dev.lipsim.nn.lipschitz.Truncation;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Generator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Small LipSim-shaped models (channel padding, SLL convolutions, Lipschitz pooling, flatten, SLL
 * linear layers, truncation, then the certification embedding) are 1-Lipschitz end to end.
 */
class ComposedModelPropertiesTest {

    record Shape(int channels, int depth, int inner, int linearDepth, int features, int embedding) {}

    static Module model(Shape s, long seed) {
        Generator generator = new Generator(seed);
        List<Module> layers = new ArrayList<>();
        layers.add(new ChannelPadding(s.channels()));
        for (int i = 0; i < s.depth(); i++) {
            layers.add(new SllConv2d(s.channels(), s.inner(), QRescaling.REFERENCE, generator));
        }
        layers.add(new LipschitzPooling(2));
        layers.add(Layers.flatten());
        int flat = s.channels() * 2 * 2;
        for (int i = 0; i < s.linearDepth(); i++) {
            layers.add(new SllLinear(flat, s.features(), generator));
        }
        layers.add(new Truncation(Math.min(s.embedding(), flat)));
        layers.add(Embeddings.appendOneAndNormalize());
        Module model = new Sequential(layers);
        model.to(DType.FLOAT64);
        return model;
    }

    @Test
    void lipSimShapedModelsAreOneLipschitz() {
        Checks.theory()
                .forAll(integers().between(3, 5).zip(integers().between(1, 3), integers().between(1, 4),
                        (c, d, i) -> new int[] {c, d, i}),
                        integers().between(1, 2).zip(integers().between(2, 8), integers().between(1, 6),
                                (l, f, e) -> new int[] {l, f, e}),
                        longs().all())
                .checkAssert((conv, linear, seed) -> {
                    Shape shape = new Shape(conv[0], conv[1], conv[2], linear[0], linear[1], linear[2]);
                    long[] input = {1, 3, 4, 4};
                    try (Module model = model(shape, seed)) {
                        double pairs = Checks.randomPairsRatio(model, input, seed, 6);
                        assertTrue(pairs <= BOUND, shape + ": random pairs reach " + pairs);
                        double jacobian = Checks.jacobianNorm(model, input, seed + 1);
                        assertTrue(jacobian <= BOUND, shape + ": Jacobian norm " + jacobian);
                        double trained = Checks.afterAdversarialTraining(model, input, seed + 2, 3);
                        assertTrue(trained <= BOUND, shape + ": after adversarial training " + trained);
                    }
                });
    }

    @Test
    void estimatorsAgreeAndBoundTheAdversary() {
        Shape shape = new Shape(4, 2, 3, 1, 6, 5);
        try (Module model = model(shape, 7); var scope = dev.lipsim.tensor.TensorScope.open()) {
            var x = dev.lipsim.tensor.Tensor.randn(new Generator(8), new long[] {1, 3, 4, 4}, DType.FLOAT64,
                    dev.lipsim.tensor.Device.CPU);
            double exact = Lipschitz.jacobianNorm(model, x);
            double power = Lipschitz.powerIteration(model, x, 50, new Generator(9));
            assertTrue(Math.abs(exact - power) < 1e-4 * exact, "power iteration " + power + " vs exact " + exact);
            double adversarial = Lipschitz.adversarial(model, new long[] {1, 3, 4, 4}, 30, 0.05, new Generator(10));
            assertTrue(adversarial > 0 && adversarial <= BOUND, "adversarial lower bound " + adversarial);
            assertTrue(model.parameters().stream().allMatch(p -> p.grad() == null), "the estimators leave the model's gradients alone");
        }
    }
}
