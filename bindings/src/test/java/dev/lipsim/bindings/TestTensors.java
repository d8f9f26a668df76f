package dev.lipsim.bindings;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Builds and reads small CPU tensors for tests, through the bindings alone. */
final class TestTensors {

    static final AtenOp CONTIGUOUS = AtenOp.of("aten::contiguous(Tensor(a) self, *, MemoryFormat memory_format=contiguous_format) -> Tensor(a)");
    static final AtenOp TO_DTYPE = AtenOp.of("aten::to.dtype(Tensor(a) self, ScalarType dtype, bool non_blocking=False, bool copy=False, MemoryFormat? memory_format=None) -> Tensor(a)");

    private TestTensors() {}

    static TensorHandle floats(float[] values, long... shape) {
        TensorHandle tensor = ShimOps.emptyStrided(shape, contiguousStrides(shape), AbiCodes.dtype("float32"),
                AbiCodes.deviceType("cpu"), 0);
        tensor.dataPointer().reinterpret(values.length * 4L).copyFrom(MemorySegment.ofArray(values));
        return tensor;
    }

    static TensorHandle doubles(double[] values, long... shape) {
        TensorHandle tensor = ShimOps.emptyStrided(shape, contiguousStrides(shape), AbiCodes.dtype("float64"),
                AbiCodes.deviceType("cpu"), 0);
        tensor.dataPointer().reinterpret(values.length * 8L).copyFrom(MemorySegment.ofArray(values));
        return tensor;
    }

    static TensorHandle longs(long[] values, long... shape) {
        TensorHandle tensor = ShimOps.emptyStrided(shape, contiguousStrides(shape), AbiCodes.dtype("int64"),
                AbiCodes.deviceType("cpu"), 0);
        tensor.dataPointer().reinterpret(values.length * 8L).copyFrom(MemorySegment.ofArray(values));
        return tensor;
    }

    /** The values of a CPU tensor of any dtype and layout, converted to float64, in row-major order. */
    static double[] read(TensorHandle tensor) {
        try (TensorHandle asDouble = TO_DTYPE.call().tensor(tensor).scalarType(AbiCodes.dtype("float64"))
                .bool(false).bool(false).none().callTensor();
                TensorHandle dense = CONTIGUOUS.call().tensor(asDouble).memoryFormat(AbiCodes.memoryFormat("contiguous"))
                        .callTensor()) {
            long n = dense.numel();
            return dense.dataPointer().reinterpret(n * 8).toArray(ValueLayout.JAVA_DOUBLE);
        }
    }

    static long[] contiguousStrides(long[] shape) {
        long[] strides = new long[shape.length];
        long stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= shape[i];
        }
        return strides;
    }
}
