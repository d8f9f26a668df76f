package dev.lipsim.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.bindings.LibTorch;
import dev.lipsim.bindings.TorchException;
import org.junit.jupiter.api.Test;

/**
 * The tensor layer on a CUDA device against the same on the CPU. Float32 results agree to 1e-5
 * relative (1e-4 for reductions and convolutions, whose GPU kernels sum in other orders).
 */
@RequiresCuda
class CudaTensorTest {

    private static final Device GPU = Device.cuda(0);

    private static void assertClose(Tensor expected, Tensor actual, double tolerance) {
        assertEquals(GPU, actual.device());
        double[] e = expected.toDoubleArray();
        double[] a = actual.to(Device.CPU).toDoubleArray();
        assertEquals(e.length, a.length);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], tolerance * Math.max(1, Math.abs(e[i])), "element " + i);
        }
    }

    @Test
    void tensorsAreCreatedOnTheDeviceAndReadBack() {
        try (var scope = TensorScope.open()) {
            Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).to(GPU);
            assertEquals(GPU, x.device());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, x.toFloatArray());
            assertArrayEquals(new long[] {2, 3}, x.shape());
            assertEquals(21.0, x.sum().item());
            Tensor zeros = Tensor.zeros(new long[] {4}, DType.FLOAT32, GPU);
            assertEquals(GPU, zeros.device());
            assertArrayEquals(new float[4], zeros.toFloatArray());
        }
    }

    @Test
    void opsAgreeWithTheCpu() {
        Generator generator = new Generator(1);
        try (var scope = TensorScope.open()) {
            Tensor a = Tensor.randn(generator, new long[] {64, 96}, DType.FLOAT32, Device.CPU);
            Tensor b = Tensor.randn(generator, new long[] {96, 32}, DType.FLOAT32, Device.CPU);
            Tensor image = Tensor.rand(generator, new long[] {2, 3, 16, 16}, DType.FLOAT32, Device.CPU);
            Tensor kernel = Tensor.randn(generator, new long[] {8, 3, 3, 3}, DType.FLOAT32, Device.CPU);
            assertClose(a.add(1.5).mul(a).relu(), a.to(GPU).add(1.5).mul(a.to(GPU)).relu(), 1e-5);
            assertClose(a.softmax(1), a.to(GPU).softmax(1), 1e-5);
            assertClose(a.matmul(b), a.to(GPU).matmul(b.to(GPU)), 1e-4);
            assertClose(image.conv2d(kernel, null, 1, 1), image.to(GPU).conv2d(kernel.to(GPU), null, 1, 1), 1e-4);
            assertClose(a.sum(1, false), a.to(GPU).sum(1, false), 1e-4);
        }
    }

    /** Float32 convolutions keep float32's precision unless TF32 is asked for, which then shows in the result. */
    @Test
    void convolutionsUseTf32OnlyWhenAskedFor() {
        Generator generator = new Generator(8);
        try (var scope = TensorScope.open()) {
            Tensor image = Tensor.randn(generator, new long[] {4, 64, 32, 32}, DType.FLOAT32, Device.CPU);
            Tensor kernel = Tensor.randn(generator, new long[] {64, 64, 3, 3}, DType.FLOAT32, Device.CPU);
            Tensor expected = image.conv2d(kernel, null, 1, 1);
            assertFalse(LibTorch.tf32Convolutions(), "TF32 is off unless " + LibTorch.TF32_PROPERTY + " is set");
            double float32 = relativeError(expected, image.to(GPU).conv2d(kernel.to(GPU), null, 1, 1));
            double tf32;
            LibTorch.allowTf32Convolutions(true);
            try {
                tf32 = relativeError(expected, image.to(GPU).conv2d(kernel.to(GPU), null, 1, 1));
            } finally {
                LibTorch.allowTf32Convolutions(false);
            }
            assertTrue(float32 < 1e-5, "float32 convolution, largest error relative to the largest value: " + float32);
            assertTrue(tf32 > 2e-5, "TF32 rounds inputs to 10 mantissa bits, yet the error is only " + tf32);
        }
    }

    private static double relativeError(Tensor expected, Tensor actual) {
        return expected.sub(actual.to(Device.CPU)).abs().max().item() / expected.abs().max().item();
    }

    @Test
    void autogradRunsOnTheDevice() {
        Generator generator = new Generator(2);
        try (var scope = TensorScope.open()) {
            Tensor w = Tensor.randn(generator, new long[] {5, 7}, DType.FLOAT32, Device.CPU);
            Tensor x = Tensor.randn(generator, new long[] {3, 7}, DType.FLOAT32, Device.CPU);
            Tensor onCpu = w.clone().requiresGrad(true);
            x.matmul(onCpu.t()).square().sum().backward();
            Tensor onGpu = w.to(GPU).requiresGrad(true);
            x.to(GPU).matmul(onGpu.t()).square().sum().backward();
            assertClose(onCpu.grad(), onGpu.grad(), 1e-4);
        }
    }

    @Test
    void seededRandomNumbersAreTheSameOnEveryDevice() {
        try (var scope = TensorScope.open()) {
            Tensor cpu = Tensor.randn(new Generator(7), new long[] {100}, DType.FLOAT32, Device.CPU);
            Tensor gpu = Tensor.randn(new Generator(7), new long[] {100}, DType.FLOAT32, GPU);
            assertClose(cpu, gpu, 0); // drawn in Java, so the seed fixes the values whatever the device
        }
    }

    @Test
    void errorsFromCudaOpsArriveAsTorchExceptions() {
        try (var scope = TensorScope.open()) {
            Tensor a = Tensor.ones(2, 3).to(GPU);
            var shape = assertThrows(TorchException.class, () -> a.mm(a));
            assertTrue(shape.getMessage().contains("aten::mm"), shape.getMessage());
            var devices = assertThrows(TorchException.class, () -> a.add(Tensor.ones(2, 3)));
            assertTrue(devices.getMessage().contains("cuda") && devices.getMessage().contains("cpu"), devices.getMessage());
        }
    }
}
