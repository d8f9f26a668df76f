package dev.lipsim.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.bindings.LibTorch;
import dev.lipsim.metric.LipSim;
import dev.lipsim.nn.optim.Optimizer;
import dev.lipsim.nn.optim.Sgd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.RequiresCuda;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** LipSim on a CUDA device against the CPU: embeddings within 1e-4, and one training step. */
@RequiresCuda
class CudaLipSimTest {

    private static final Device GPU = Device.cuda(0);
    private static final LipSimConfig CONFIG = new LipSimConfig(2, 16, 8, 1, 64, 32, 32);

    private static double largestDifference(Tensor a, Tensor b) {
        try (var scope = TensorScope.open()) {
            return a.to(Device.CPU).sub(b.to(Device.CPU)).abs().max().item();
        }
    }

    @Test
    void embeddingsOnTheDeviceMatchTheCpu() {
        Tensor images = Tensor.rand(new Generator(1), new long[] {4, 3, 32, 32}, DType.FLOAT32, Device.CPU);
        for (EmbeddingMap map : EmbeddingMap.values()) {
            try (var scope = TensorScope.open();
                    var cpu = new LipSim(new LipSimModel(CONFIG, new Generator(2)), map, Device.CPU);
                    var gpu = new LipSim(new LipSimModel(CONFIG, new Generator(2)), map, GPU)) {
                assertEquals(0, largestDifference(cpu.embeddings(images), gpu.embeddings(images)), 1e-4, map.label());
            }
        }
    }

    @Test
    void certifiedRadiiAreRefusedWhileTf32IsOn() {
        try (var metric = new LipSim(new LipSimModel(CONFIG, new Generator(2)), EmbeddingMap.UNIT, GPU)) {
            metric.requireSoundRadii();
            LibTorch.allowTf32Convolutions(true);
            try {
                var error = assertThrows(IllegalStateException.class, metric::requireSoundRadii);
                assertTrue(error.getMessage().contains("TF32 is on"), error.getMessage());
            } finally {
                LibTorch.allowTf32Convolutions(false);
            }
        }
    }

    /**
     * Gradients agree to 1e-4 of their largest magnitude, and so do the weights after an SGD step.
     * (Adam's first step moves each weight by the learning rate times the sign of its gradient,
     * so a gradient that rounds to opposite signs near zero on the two devices would differ by
     * twice the learning rate; the optimizer's own device move is tested in nn.)
     */
    @Test
    void oneTrainingStepOnTheDeviceMatchesTheCpu() {
        Tensor images = Tensor.rand(new Generator(3), new long[] {6, 3, 32, 32}, DType.FLOAT32, Device.CPU);
        try (var scope = TensorScope.open(); var cpu = new LipSimModel(CONFIG, new Generator(4));
                var gpu = new LipSimModel(CONFIG, new Generator(4));
                Optimizer onCpu = new Sgd(cpu.parameters(), 0.01);
                Optimizer onGpu = new Sgd(gpu.parameters(), 0.01)) {
            gpu.to(GPU);
            backward(cpu, images);
            backward(gpu, images.to(GPU));
            for (String name : cpu.namedParameters().keySet()) {
                Tensor expected = cpu.namedParameters().get(name).value().grad();
                if (expected == null) { // a parameter the forward pass does not use (q, under the reference rescaling)
                    assertNull(gpu.namedParameters().get(name).value().grad(), name);
                    continue;
                }
                double scale = Math.max(1e-6, expected.abs().max().item());
                assertEquals(0, largestDifference(expected, gpu.namedParameters().get(name).value().grad()) / scale,
                        1e-4, name + " gradient, relative to its largest element " + scale);
            }
            onCpu.step();
            onGpu.step();
            for (String name : cpu.namedParameters().keySet()) {
                assertEquals(0, largestDifference(cpu.namedParameters().get(name).value(), gpu.namedParameters().get(name)
                        .value()), 1e-4, name);
            }
        }
    }

    private static void backward(LipSimModel model, Tensor images) {
        try (var scope = TensorScope.open()) {
            Tensor features = model.forward(images);
            features.narrow(0, 0, 3).sub(features.narrow(0, 3, 3)).square().sum().backward(); // pull pairs together
        }
    }
}
