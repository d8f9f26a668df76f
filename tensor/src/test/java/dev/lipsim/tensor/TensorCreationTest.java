package dev.lipsim.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.bindings.LibTorch;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@ExtendWith(InScope.class)
class TensorCreationTest {


    @Test
    void fromJavaArrays() {
        Tensor f = Tensor.of(new float[] {1.5f, -2f}, 2);
        assertEquals(DType.FLOAT32, f.dtype());
        assertArrayEquals(new float[] {1.5f, -2f}, f.toFloatArray());
        assertEquals(DType.FLOAT64, Tensor.of(new double[] {1}, 1).dtype());
        assertEquals(DType.INT64, Tensor.of(new long[] {1}, 1).dtype());
        assertEquals(DType.INT32, Tensor.of(new int[] {1}, 1).dtype());
        Tensor bytes = Tensor.of(new byte[] {(byte) 200, 3}, 2);
        assertEquals(DType.UINT8, bytes.dtype());
        assertArrayEquals(new long[] {200, 3}, bytes.toLongArray(), "uint8 is unsigned");
        Tensor bools = Tensor.of(new boolean[] {true, false}, 2);
        assertEquals(DType.BOOL, bools.dtype());
        assertArrayEquals(new long[] {1, 0}, bools.toLongArray());
        assertEquals(2.5, Tensor.scalar(2.5).item());
        assertEquals(0, Tensor.scalar(7L).dim());
        assertEquals(7, Tensor.scalar(7L).itemLong());
        var mismatch = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
        assertTrue(mismatch.getMessage().contains("[2, 2]"), mismatch.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -1));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void everyDtypeRoundTrips(DType dtype) {
        long[] values = {0, 1, 0, 1, 1, 0};
        Tensor t = Tensor.of(values, 2, 3).to(dtype);
        assertEquals(dtype, t.dtype());
        assertArrayEquals(values, t.toLongArray());
        assertArrayEquals(new long[] {2, 3}, t.shape());
        assertEquals(dtype, DType.ofCode(dtype.code()));
        assertEquals(dtype, DType.parse(dtype.torchName()));
        assertEquals(dtype, Tensor.zeros(new long[] {1}, dtype, Device.CPU).dtype());
    }

    @Test
    void nativeMemoryCopiedOrViewed() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1, 2, 3, 4);
            Tensor copy = Tensor.copyOf(data, DType.FLOAT32, 2, 2);
            Tensor view = Tensor.viewOf(data, DType.FLOAT32, 2, 2);
            data.setAtIndex(ValueLayout.JAVA_FLOAT, 0, 10);
            assertArrayEquals(new float[] {1, 2, 3, 4}, copy.toFloatArray());
            assertArrayEquals(new float[] {10, 2, 3, 4}, view.toFloatArray(), "a view sees the memory");
            view.mul_(2);
            assertEquals(20, data.getAtIndex(ValueLayout.JAVA_FLOAT, 0), "and writes it");
            view.close();
            assertThrows(IllegalArgumentException.class, () -> Tensor.viewOf(data, DType.FLOAT32, 5));
            assertThrows(IllegalArgumentException.class,
                    () -> Tensor.viewOf(MemorySegment.ofArray(new float[4]), DType.FLOAT32, 4));
        }
    }

    @Test
    void factories() {
        assertArrayEquals(new double[] {0, 0, 0, 0}, Tensor.zeros(2, 2).toDoubleArray());
        assertArrayEquals(new double[] {1, 1}, Tensor.ones(2).toDoubleArray());
        Tensor full = Tensor.full(new long[] {3}, 2.5, DType.FLOAT64, Device.CPU);
        assertArrayEquals(new double[] {2.5, 2.5, 2.5}, full.toDoubleArray());
        assertArrayEquals(new long[] {0, 1, 2, 3}, Tensor.arange(4).toLongArray());
        assertArrayEquals(new double[] {1, 1.5, 2, 2.5}, Tensor.arange(1, 3, 0.5, DType.FLOAT64, Device.CPU).toDoubleArray());
        assertArrayEquals(new long[] {5, 3, 1}, Tensor.arange(5, 0, -2, DType.INT64, Device.CPU).toLongArray());
        assertArrayEquals(new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, Tensor.eye(3).toDoubleArray());
        assertArrayEquals(new long[] {2, 3}, Tensor.empty(new long[] {2, 3}, DType.FLOAT32, Device.CPU).shape());
        Tensor a = Tensor.of(new float[] {1, 2}, 2);
        assertArrayEquals(new double[] {0, 0}, a.zerosLike().toDoubleArray());
        assertArrayEquals(new double[] {1, 1}, a.onesLike().toDoubleArray());
    }

    @Test
    void randomnessIsReproducibleAndHasTheRightDistribution() {
        Tensor a = Tensor.randn(new Generator(7), new long[] {20_000}, DType.FLOAT64, Device.CPU);
        Tensor b = Tensor.randn(new Generator(7), new long[] {20_000}, DType.FLOAT64, Device.CPU);
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
        assertNotEquals(a.toDoubleArray()[0],
                Tensor.randn(new Generator(8), new long[] {1}, DType.FLOAT64, Device.CPU).item());
        assertEquals(0, a.mean().item(), 0.03);
        assertEquals(1, a.square().mean().item(), 0.03);
        Tensor u = Tensor.rand(new Generator(9), new long[] {20_000}, DType.FLOAT32, Device.CPU);
        assertTrue(u.min().item() >= 0 && u.max().item() < 1);
        assertEquals(0.5, u.mean().item(), 0.01);
        Tensor ints = Tensor.randint(new Generator(10), -3, 4, new long[] {10_000}, Device.CPU);
        assertEquals(-3, ints.min().item());
        assertEquals(3, ints.max().item());
        Generator.manualSeed(11);
        double first = Tensor.rand(3).toDoubleArray()[0];
        Generator.manualSeed(11);
        assertEquals(first, Tensor.rand(3).toDoubleArray()[0]);
    }

    @Test
    void devices() {
        assertEquals(Device.CPU, Device.parse("cpu"));
        assertEquals(Device.cuda(0), Device.parse("cuda"));
        assertEquals(Device.cuda(2), Device.parse("CUDA:2"));
        assertEquals("cuda:1", Device.cuda(1).toString());
        assertThrows(IllegalArgumentException.class, () -> Device.parse("tpu"));
        assertThrows(IllegalArgumentException.class, () -> Device.parse("cpu:0"));
        assertEquals(Device.CPU, Tensor.ones(1).device());
    }

    @Test
    void cudaWithoutCudaIsAClearError() {
        Assumptions.assumeFalse(LibTorch.load().cudaAvailable(), "this libtorch has CUDA");
        var error = assertThrows(IllegalStateException.class, () -> Tensor.zeros(new long[] {2}, DType.FLOAT32, Device.cuda(0)));
        assertTrue(error.getMessage().contains("cuda:0") && error.getMessage().contains("CUDA is not available"),
                error.getMessage());
        assertThrows(IllegalStateException.class, () -> Tensor.ones(2).to(Device.cuda(0)));
    }
}
