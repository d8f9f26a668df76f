package dev.lipsim.tensor;

import dev.lipsim.bindings.ShimOps;
import dev.lipsim.bindings.TensorHandle;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** Building tensors from Java data. */
final class Creation {

    private static final Device CPU = Device.CPU;

    private Creation() {}

    /** A CPU tensor holding a copy of {@code count} elements of {@code dtype} from {@code data}. */
    static Tensor copyOf(MemorySegment data, long count, DType dtype, long[] shape) {
        long numel = Shapes.numel(shape);
        if (count != numel) {
            throw new IllegalArgumentException(count + " values do not fill shape " + Arrays.toString(shape)
                    + ", which has " + numel + " elements");
        }
        Tensor tensor = Tensor.wrap(ShimOps.emptyStrided(shape, Shapes.contiguousStrides(shape), dtype.code(),
                CPU.typeCode(), CPU.indexCode()));
        long bytes = numel * dtype.byteSize();
        try {
            if (bytes > 0) {
                tensor.handle().dataPointer().reinterpret(bytes).copyFrom(data.asSlice(0, bytes));
            }
        } catch (RuntimeException e) {
            tensor.close();
            throw e;
        }
        return tensor;
    }

    static TensorHandle viewOf(MemorySegment data, DType dtype, long[] shape, long[] strides, long offset) {
        if (!data.isNative()) {
            throw new IllegalArgumentException("a tensor can only view native memory; copy heap arrays with Tensor.of");
        }
        if (shape.length != strides.length || offset < 0) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + ", strides " + Arrays.toString(strides)
                    + " and offset " + offset + " do not describe a view");
        }
        long lastElement = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) {
                lastElement = offset - 1;
                break;
            }
            if (strides[i] < 0) {
                throw new IllegalArgumentException("negative strides are not supported: " + Arrays.toString(strides));
            }
            lastElement += (shape[i] - 1) * strides[i];
        }
        long bytes = (lastElement + 1) * dtype.byteSize();
        if (data.byteSize() < bytes) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of " + dtype + " with strides "
                    + Arrays.toString(strides) + " and offset " + offset + " needs " + bytes + " bytes, the segment has "
                    + data.byteSize());
        }
        if (data.address() % dtype.byteSize() != 0) {
            throw new IllegalArgumentException("the segment is not aligned to " + dtype.byteSize() + " bytes for " + dtype);
        }
        return ShimOps.fromBlob(data, shape, strides, offset, dtype.code(), CPU.typeCode(), CPU.indexCode());
    }

    /** Converts Java doubles to a tensor of {@code dtype} on {@code device}. */
    static Tensor fromDoubles(double[] values, long[] shape, DType dtype, Device device) {
        device.requireAvailable();
        try (var scope = TensorScope.open()) {
            Tensor converted = Tensor.of(values, shape).to(dtype).to(device);
            return scope.keep(converted);
        }
    }

    static Tensor arange(double start, double end, double step, DType dtype, Device device) {
        if (step == 0 || !Double.isFinite(start) || !Double.isFinite(end) || !Double.isFinite(step)) {
            throw new IllegalArgumentException("arange needs finite start and end and a non-zero step, got "
                    + start + ", " + end + ", " + step);
        }
        long count = (long) Math.ceil((end - start) / step);
        if (count < 0) {
            throw new IllegalArgumentException("arange: step " + step + " does not lead from " + start + " to " + end);
        }
        device.requireAvailable();
        try (var scope = TensorScope.open()) {
            Tensor values;
            if (!dtype.isFloatingPoint() && start == Math.rint(start) && step == Math.rint(step)) {
                long[] longs = new long[Math.toIntExact(count)];
                for (int i = 0; i < longs.length; i++) {
                    longs[i] = (long) start + i * (long) step;
                }
                values = Tensor.of(longs, count);
            } else {
                double[] doubles = new double[Math.toIntExact(count)];
                for (int i = 0; i < doubles.length; i++) {
                    doubles[i] = start + i * step;
                }
                values = Tensor.of(doubles, count);
            }
            return scope.keep(values.to(dtype).to(device));
        }
    }

    static Tensor eye(long n, DType dtype, Device device) {
        Tensor identity = Tensor.zeros(new long[] {n, n}, dtype, device);
        try (TensorHandle diagonal = Aten.DIAGONAL.call().tensor(identity.handle()).int64(0).int64(0).int64(1)
                .callTensor()) {
            ShimOps.fill(diagonal, 1);
        }
        return identity;
    }
}
