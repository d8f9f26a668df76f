package dev.lipsim.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lipsim.nn.lipschitz.QRescaling;
import dev.lipsim.nn.lipschitz.SllConv2d;
import dev.lipsim.nn.optim.Adam;
import dev.lipsim.nn.optim.Optimizer;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.RequiresCuda;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** Modules and optimizers on a CUDA device against the same on the CPU (float32, 1e-4 relative). */
@RequiresCuda
class CudaModulesTest {

    private static final Device GPU = Device.cuda(0);

    private static void assertClose(Tensor expected, Tensor actual) {
        double[] e = expected.to(Device.CPU).toDoubleArray();
        double[] a = actual.to(Device.CPU).toDoubleArray();
        assertEquals(e.length, a.length);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-4 * Math.max(1, Math.abs(e[i])), "element " + i);
        }
    }

    @Test
    void anSllLayerComputesTheSameForwardAndBackwardOnTheDevice() {
        try (var scope = TensorScope.open(); var cpu = new SllConv2d(8, 4, QRescaling.REFERENCE, new Generator(3));
                var gpu = new SllConv2d(8, 4, QRescaling.REFERENCE, new Generator(3))) {
            gpu.to(GPU);
            Tensor x = Tensor.rand(new Generator(4), new long[] {2, 8, 12, 12}, DType.FLOAT32, Device.CPU);
            Tensor xCpu = x.clone().requiresGrad(true);
            Tensor xGpu = x.to(GPU).requiresGrad(true);
            Tensor yCpu = cpu.forward(xCpu);
            Tensor yGpu = gpu.forward(xGpu);
            assertEquals(GPU, yGpu.device());
            assertClose(yCpu, yGpu);
            yCpu.square().sum().backward();
            yGpu.square().sum().backward();
            assertClose(xCpu.grad(), xGpu.grad());
            for (String name : cpu.namedParameters().keySet()) {
                Tensor expected = cpu.namedParameters().get(name).value().grad();
                Tensor actual = gpu.namedParameters().get(name).value().grad();
                if (expected == null) { // a parameter the forward pass does not use (q, under the reference rescaling)
                    assertNull(actual, name);
                } else {
                    assertClose(expected, actual);
                }
            }
        }
    }

    @Test
    void aModuleAndItsOptimizerMoveBetweenDevicesMidTraining() {
        Tensor x = Tensor.rand(new Generator(5), new long[] {16, 6}, DType.FLOAT32, Device.CPU);
        try (var scope = TensorScope.open(); var reference = new Linear(6, 3, true, new Generator(6));
                var moved = new Linear(6, 3, true, new Generator(6));
                Optimizer stays = Adam.adam(reference.parameters(), 0.01, 0.9, 0.999, 1e-8, 0);
                Optimizer travels = Adam.adam(moved.parameters(), 0.01, 0.9, 0.999, 1e-8, 0)) {
            for (int step = 0; step < 6; step++) {
                Device device = step % 2 == 0 ? Device.CPU : GPU; // CPU, GPU, CPU, ...: the Adam moments follow
                moved.to(device);
                train(reference, stays, x);
                train(moved, travels, x.to(device));
            }
            moved.to(Device.CPU);
            assertClose(reference.weight().value(), moved.weight().value());
            assertClose(reference.bias().value(), moved.bias().value());
        }
    }

    private static void train(Module model, Optimizer optimizer, Tensor x) {
        try (var scope = TensorScope.open()) {
            optimizer.zeroGrad();
            model.forward(x).square().mean().backward();
            optimizer.step();
        }
    }
}
