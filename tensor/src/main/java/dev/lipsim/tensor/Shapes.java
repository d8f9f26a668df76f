package dev.lipsim.tensor;

import java.util.Arrays;

/** Shape arithmetic shared by the tensor layer. */
final class Shapes {

    private Shapes() {}

    static long numel(long[] shape) {
        requireValid(shape);
        long n = 1;
        for (long size : shape) {
            n = Math.multiplyExact(n, size);
        }
        return n;
    }

    static void requireValid(long[] shape) {
        for (long size : shape) {
            if (size < 0) {
                throw new IllegalArgumentException("negative size in shape " + Arrays.toString(shape));
            }
        }
    }

    static long[] contiguousStrides(long[] shape) {
        long[] strides = new long[shape.length];
        long stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= Math.max(shape[i], 1);
        }
        return strides;
    }

    static int normalizeDim(int dim, int rank) {
        int normal = dim < 0 ? dim + rank : dim;
        if (normal < 0 || normal >= rank) {
            throw new IndexOutOfBoundsException("dimension " + dim + " out of range for a " + rank + "-d tensor");
        }
        return normal;
    }

    static long[] toLongs(int[] values) {
        long[] longs = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            longs[i] = values[i];
        }
        return longs;
    }

    static int[] allDims(int rank) {
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = i;
        }
        return dims;
    }

    static void requirePairs(String what, int[] values) {
        if (values.length != 2) {
            throw new IllegalArgumentException(what + " needs 2 values (height, width), got " + Arrays.toString(values));
        }
    }
}
