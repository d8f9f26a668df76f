package dev.lipsim.tensor;

import dev.lipsim.bindings.AbiCodes;
import dev.lipsim.bindings.TensorHandle;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Copies tensor values into Java arrays, whatever the tensor's dtype, strides or device. */
final class Readback {

    private Readback() {}

    static double[] doubles(Tensor tensor) {
        try (TensorHandle dense = denseCpu(tensor.handle(), DType.FLOAT64)) {
            return segment(dense, 8).toArray(ValueLayout.JAVA_DOUBLE);
        }
    }

    static float[] floats(Tensor tensor) {
        try (TensorHandle dense = denseCpu(tensor.handle(), DType.FLOAT32)) {
            return segment(dense, 4).toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    static long[] longs(Tensor tensor) {
        try (TensorHandle dense = denseCpu(tensor.handle(), DType.INT64)) {
            return segment(dense, 8).toArray(ValueLayout.JAVA_LONG);
        }
    }

    private static MemorySegment segment(TensorHandle dense, int elementBytes) {
        long bytes = dense.numel() * elementBytes;
        return bytes == 0 ? MemorySegment.NULL : dense.dataPointer().reinterpret(bytes);
    }

    /** A row-major CPU copy (or the tensor itself, if already so) in {@code dtype}. */
    private static TensorHandle denseCpu(TensorHandle tensor, DType dtype) {
        try (TensorHandle onCpu = Aten.TO_DEVICE.call().tensor(tensor).device(AbiCodes.deviceType("cpu"), -1)
                .scalarType(dtype.code()).bool(false).bool(false).none().callTensor()) {
            return Aten.CONTIGUOUS.call().tensor(onCpu).memoryFormat(MemoryFormat.CONTIGUOUS.code()).callTensor();
        }
    }
}
