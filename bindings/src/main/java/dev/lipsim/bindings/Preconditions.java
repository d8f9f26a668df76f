package dev.lipsim.bindings;

/**
 * The rules by which libtorch's kernels accept their arguments, checked in Java before an unboxed
 * call (which must never throw: a C++ exception through a downcall ends the JVM). Each family
 * restates the checks ATen makes for its ops (shapes broadcastable or matching, dimensions and
 * indices in range, dtypes the kernels support) and errs on the side of refusing: a refused call
 * takes the boxed path, which reports libtorch's own error.
 *
 * <p>Every tensor argument has already been read into {@link TensorFacts} (a defined, strided CPU
 * tensor) when a precondition runs. Calls that allocate are limited to results of at most
 * {@link #MAX_ELEMENTS} elements: there the per-call overhead matters, and an allocation that
 * small cannot fail in practice; larger work takes the boxed path, where the kernel's time
 * dwarfs the call's.
 */
final class Preconditions {

    /** The most elements an allocating unboxed call may produce or read. */
    static final long MAX_ELEMENTS = 1 << 16;

    /** The smallest value a {@code c10::SymInt} holds inline; below it the bits mean a pointer. */
    static final long MIN_INLINE_SYMINT = -(1L << 62) + 1;

    /** The arguments of a call being checked, by schema position. */
    interface Arguments {
        /** Facts of the tensor at {@code i}, or null when the optional tensor is None. */
        TensorFacts tensor(int i);

        long int64(int i);

        boolean present(int i);

        long[] ints(int i);
    }

    /** A check of one op family. */
    @FunctionalInterface
    interface Precondition {
        boolean admits(Arguments arguments);
    }

    private Preconditions() {}

    // ---- Families ----

    /** Elementwise ops over all their tensor arguments, broadcast together. */
    static Precondition pointwise(int tensors, long dtypes) {
        return a -> {
            for (int i = 0; i < tensors; i++) {
                if (!a.tensor(i).hasDtype(dtypes)) {
                    return false;
                }
            }
            return broadcastElements(a, 0, tensors) <= MAX_ELEMENTS;
        };
    }

    /** {@code where(condition, self, other)}: a bool condition, the rest elementwise. */
    static Precondition where(long dtypes) {
        return a -> a.tensor(0).hasDtype(DTypes.BOOL) && a.tensor(1).hasDtype(dtypes) && a.tensor(2).hasDtype(dtypes)
                && broadcastElements(a, 0, 3) <= MAX_ELEMENTS;
    }

    /** {@code clamp(self, min?, max?)} with tensor bounds: at least one bound, all broadcast together. */
    static Precondition clampTensor(long dtypes) {
        return a -> {
            TensorFacts min = a.tensor(1);
            TensorFacts max = a.tensor(2);
            return (min != null || max != null) && a.tensor(0).hasDtype(dtypes)
                    && (min == null || min.hasDtype(dtypes)) && (max == null || max.hasDtype(dtypes))
                    && broadcastElements(a, 0, 3) <= MAX_ELEMENTS;
        };
    }

    /** An op on one tensor that allocates a result of its size. */
    static Precondition unary(long dtypes) {
        return a -> a.tensor(0).hasDtype(dtypes) && a.tensor(0).numel() <= MAX_ELEMENTS;
    }

    /** A reduction over all elements, with an optional result dtype at {@code dtypeArgument}. */
    static Precondition fullReduction(long dtypes, int dtypeArgument, long resultDtypes, boolean needsElements) {
        return a -> {
            TensorFacts self = a.tensor(0);
            long numel = self.numel();
            return self.hasDtype(dtypes) && numel <= MAX_ELEMENTS && (!needsElements || numel > 0)
                    && optionalDtypeIn(a, dtypeArgument, resultDtypes);
        };
    }

    /** A reduction along dimension {@code dimArgument}, which needs elements along it when {@code needsElements}. */
    static Precondition alongDim(long dtypes, int dimArgument, boolean needsElements) {
        return alongDim(dtypes, dimArgument, needsElements, -1, 0);
    }

    /** As {@link #alongDim(long, int, boolean)}, with an optional result dtype argument. */
    static Precondition alongDim(long dtypes, int dimArgument, boolean needsElements, int dtypeArgument,
            long resultDtypes) {
        return a -> {
            TensorFacts self = a.tensor(0);
            int d = wrap(a.int64(dimArgument), self.dim);
            return self.hasDtype(dtypes) && d >= 0 && self.numel() <= MAX_ELEMENTS
                    && (!needsElements || self.dim == 0 || self.size(d) > 0)
                    && optionalDtypeIn(a, dtypeArgument, resultDtypes);
        };
    }

    /**
     * {@code sum} or {@code mean} over the dimensions at argument 1 ({@code int[1]?}; None or empty
     * means all), distinct and in range, with an optional result dtype at {@code dtypeArgument}.
     */
    static Precondition alongDims(long dtypes, int dtypeArgument, long resultDtypes) {
        return a -> {
            TensorFacts self = a.tensor(0);
            if (!self.hasDtype(dtypes) || self.numel() > MAX_ELEMENTS || self.dim > 64
                    || !optionalDtypeIn(a, dtypeArgument, resultDtypes)) {
                return false;
            }
            if (!a.present(1)) {
                return true; // None: every dimension
            }
            return distinctDims(a.ints(1), self, false);
        };
    }

    /** {@code argmax(self, dim?, keepdim)}: along a dimension, or over all elements when None. */
    static Precondition argReduction(long dtypes) {
        Precondition along = alongDim(dtypes, 1, true);
        Precondition all = fullReduction(dtypes, -1, 0, true);
        return a -> a.present(1) ? along.admits(a) : all.admits(a);
    }

    /** {@code amax(self, dim[], keepdim)}: distinct dimensions in range, each with elements (all when empty). */
    static Precondition amax(long dtypes) {
        return a -> {
            TensorFacts self = a.tensor(0);
            long[] dims = a.ints(1);
            if (!self.hasDtype(dtypes) || self.numel() > MAX_ELEMENTS || self.dim > 64) {
                return false;
            }
            if (dims.length == 0) {
                return self.numel() > 0;
            }
            return distinctDims(dims, self, true);
        };
    }

    /**
     * Whether {@code dims} are distinct dimensions of {@code self} (negatives counted from the end),
     * each with elements if {@code withElements}. Callers have checked that {@code self} has at most
     * 64 dimensions, one bit each.
     */
    private static boolean distinctDims(long[] dims, TensorFacts self, boolean withElements) {
        long seen = 0;
        for (long dim : dims) {
            int d = wrap(dim, self.dim);
            if (d < 0 || (seen & (1L << d)) != 0 || (withElements && self.dim > 0 && self.size(d) == 0)) {
                return false;
            }
            seen |= 1L << d;
        }
        return true;
    }

    /** {@code mm} ({@code batched} false) or {@code bmm}: matching inner sizes, one floating dtype. */
    static Precondition matrixProduct(boolean batched) {
        int rank = batched ? 3 : 2;
        return a -> {
            TensorFacts x = a.tensor(0);
            TensorFacts y = a.tensor(1);
            if (x.dim != rank || y.dim != rank || !sameFloatingDtype(x, y)
                    || (batched && x.size(0) != y.size(0)) || x.size(rank - 1) != y.size(rank - 2)) {
                return false;
            }
            long result = saturatingMultiply(batched ? x.size(0) : 1, saturatingMultiply(x.size(rank - 2), y.size(rank - 1)));
            return smallWork(x, y, result);
        };
    }

    /** {@code matmul} of vectors and matrices (batched operands take the boxed path). */
    static Precondition matmul() {
        return a -> {
            TensorFacts x = a.tensor(0);
            TensorFacts y = a.tensor(1);
            if (x.dim < 1 || x.dim > 2 || y.dim < 1 || y.dim > 2 || !sameFloatingDtype(x, y)) {
                return false;
            }
            long inner = x.size(x.dim - 1);
            long otherInner = y.size(0);
            long rows = x.dim == 2 ? x.size(0) : 1;
            long columns = y.dim == 2 ? y.size(1) : 1;
            return inner == otherInner && smallWork(x, y, saturatingMultiply(rows, columns));
        };
    }

    /** {@code linear(input, weight, bias?)}: a matrix weight matching the input's last size, a vector bias. */
    static Precondition linear() {
        return a -> {
            TensorFacts input = a.tensor(0);
            TensorFacts weight = a.tensor(1);
            TensorFacts bias = a.tensor(2);
            if (input.dim < 1 || input.dim > 2 || weight.dim != 2 || !sameFloatingDtype(input, weight)
                    || input.size(input.dim - 1) != weight.size(1)) {
                return false;
            }
            if (bias != null && (bias.dim != 1 || bias.size(0) != weight.size(0) || bias.dtype != input.dtype)) {
                return false;
            }
            long rows = input.dim == 2 ? input.size(0) : 1;
            return smallWork(input, weight, saturatingMultiply(rows, weight.size(0)));
        };
    }

    // ---- Views and shapes (no data is allocated) ----

    static Precondition always() {
        return a -> true;
    }

    static Precondition transposeMatrix() {
        return a -> a.tensor(0).dim <= 2;
    }

    /** Dimensions at the given argument positions all in range of the input's rank plus {@code extra}. */
    static Precondition dimsInRange(int extra, int... dimArguments) {
        return a -> {
            int rank = a.tensor(0).dim + extra;
            for (int argument : dimArguments) {
                if (wrap(a.int64(argument), rank) < 0) {
                    return false;
                }
            }
            return true;
        };
    }

    static Precondition flatten() {
        return a -> {
            int rank = a.tensor(0).dim;
            int start = wrap(a.int64(1), rank);
            int end = wrap(a.int64(2), rank);
            return start >= 0 && end >= 0 && start <= end;
        };
    }

    static Precondition permute() {
        return a -> {
            TensorFacts self = a.tensor(0);
            long[] dims = a.ints(1);
            if (dims.length != self.dim || self.dim > 64) {
                return false;
            }
            return distinctDims(dims, self, false);
        };
    }

    /** {@code select(self, dim, index)}: a dimension of a tensor with one, an index within it. */
    static Precondition select() {
        return a -> {
            TensorFacts self = a.tensor(0);
            int d = self.dim == 0 ? -1 : wrap(a.int64(1), self.dim);
            long index = a.int64(2);
            return d >= 0 && index >= -self.size(d) && index < self.size(d);
        };
    }

    /** {@code diagonal(self, offset, dim1, dim2)}: two distinct dimensions in range. */
    static Precondition diagonal() {
        return a -> {
            TensorFacts self = a.tensor(0);
            int first = wrap(a.int64(2), self.dim);
            int second = wrap(a.int64(3), self.dim);
            return self.dim >= 2 && first >= 0 && second >= 0 && first != second;
        };
    }

    /** {@code reshape(self, shape)}: at most one -1, other sizes non-negative, the element count kept. */
    static Precondition reshape() {
        return a -> {
            TensorFacts self = a.tensor(0);
            long[] shape = a.ints(1);
            long numel = self.numel();
            long known = 1;
            int inferred = 0;
            for (long size : shape) {
                if (size == -1) {
                    inferred++;
                } else if (size < 0) {
                    return false;
                } else {
                    known = saturatingMultiply(known, size);
                }
            }
            boolean matches = inferred == 0 ? known == numel : inferred == 1 && known > 0 && numel % known == 0;
            return matches && numel <= MAX_ELEMENTS; // a reshape that cannot view copies
        };
    }

    /** {@code expand(self, size, implicit)}: sizes aligned from the right, each kept, -1, or grown from 1. */
    static Precondition expand() {
        return a -> {
            TensorFacts self = a.tensor(0);
            long[] target = a.ints(1);
            int leading = target.length - self.dim;
            if (leading < 0) {
                return false;
            }
            for (int i = 0; i < target.length; i++) {
                long size = target[i];
                if (i < leading) {
                    if (size < 0) {
                        return false;
                    }
                } else if (size != -1 && (size < 0 || (size != self.size(i - leading) && self.size(i - leading) != 1))) {
                    return false;
                }
            }
            return true;
        };
    }

    /** {@code split(self, split_size, dim)}: a dimension in range, a size of 0 only for an empty one. */
    static Precondition split() {
        return a -> {
            TensorFacts self = a.tensor(0);
            int d = self.dim == 0 ? -1 : wrap(a.int64(2), self.dim);
            long splitSize = a.int64(1);
            return d >= 0 && splitSize >= 0 && (splitSize > 0 || self.size(d) == 0);
        };
    }

    /** {@code split_with_sizes(self, split_sizes, dim)}: non-negative sizes that add up to the dimension. */
    static Precondition splitWithSizes() {
        return a -> {
            TensorFacts self = a.tensor(0);
            int d = self.dim == 0 ? -1 : wrap(a.int64(2), self.dim);
            if (d < 0) {
                return false;
            }
            long remaining = self.size(d);
            for (long size : a.ints(1)) {
                if (size < 0 || size > remaining) {
                    return false;
                }
                remaining -= size;
            }
            return remaining == 0;
        };
    }

    /** {@code chunk(self, chunks, dim)}: a positive count, a dimension in range. */
    static Precondition chunk() {
        return a -> {
            TensorFacts self = a.tensor(0);
            return self.dim > 0 && a.int64(1) > 0 && wrap(a.int64(2), self.dim) >= 0;
        };
    }

    /** {@code clone(self, memory_format)}: the input's own layout (a requested one may not fit its rank). */
    static Precondition cloneAsIs() {
        return a -> !a.present(1) && a.tensor(0).numel() <= MAX_ELEMENTS;
    }

    // ---- Shared checks ----

    /**
     * {@code dim} wrapped into {@code [0, rank)}, or -1 when out of range. A 0-dim tensor accepts
     * dimensions 0 and -1, as ATen's {@code maybe_wrap_dim} does.
     */
    static int wrap(long dim, int rank) {
        int range = Math.max(rank, 1);
        if (dim < -range || dim >= range) {
            return -1;
        }
        return (int) (dim < 0 ? dim + range : dim);
    }

    /**
     * The number of elements of the broadcast of the tensor arguments {@code [from, to)} (None
     * ones skipped), or {@link Long#MAX_VALUE} when their shapes do not broadcast.
     */
    static long broadcastElements(Arguments a, int from, int to) {
        int rank = 0;
        for (int i = from; i < to; i++) {
            TensorFacts t = a.tensor(i);
            rank = t == null ? rank : Math.max(rank, t.dim);
        }
        long elements = 1;
        for (int fromRight = 1; fromRight <= rank; fromRight++) {
            long size = 1;
            for (int i = from; i < to; i++) {
                TensorFacts t = a.tensor(i);
                long own = t == null || fromRight > t.dim ? 1 : t.size(t.dim - fromRight);
                if (own != 1) {
                    if (size != 1 && size != own) {
                        return Long.MAX_VALUE;
                    }
                    size = own;
                }
            }
            elements = saturatingMultiply(elements, size);
        }
        return elements;
    }

    static long saturatingMultiply(long x, long y) {
        long high = Math.multiplyHigh(x, y);
        long low = x * y;
        return (high == 0 && low >= 0) ? low : Long.MAX_VALUE;
    }

    private static boolean optionalDtypeIn(Arguments a, int dtypeArgument, long dtypes) {
        if (dtypeArgument < 0 || !a.present(dtypeArgument)) {
            return true;
        }
        long code = a.int64(dtypeArgument);
        return code >= 0 && code < 64 && (dtypes & (1L << code)) != 0;
    }

    private static boolean sameFloatingDtype(TensorFacts x, TensorFacts y) {
        return x.hasDtype(DTypes.FLOATING) && x.dtype == y.dtype;
    }

    private static boolean smallWork(TensorFacts x, TensorFacts y, long resultElements) {
        return x.numel() <= MAX_ELEMENTS && y.numel() <= MAX_ELEMENTS && resultElements <= MAX_ELEMENTS;
    }
}
