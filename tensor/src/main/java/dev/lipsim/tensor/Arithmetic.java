package dev.lipsim.tensor;

import dev.lipsim.bindings.ShimOps;
import dev.lipsim.bindings.TensorHandle;

/**
 * Addition and norms, where the 2.10 C ABI's Scalar gap needs more than one ATen call.
 * Floating addition is {@code aoti_torch_aten_subtract_Tensor} with {@code alpha = -alpha}
 * (exact: negation is exact). Integer addition cannot take a floating alpha there, so it
 * stacks the two operands and sums them in the result dtype.
 */
final class Arithmetic {

    private Arithmetic() {}

    static Tensor add(Tensor a, Tensor b, double alpha) {
        return add(a, b.handle(), alpha);
    }

    static Tensor add(Tensor a, TensorHandle b, double alpha) {
        boolean floating = a.dtype().isFloatingPoint() || DType.ofCode(b.dtypeCode()).isFloatingPoint();
        if (floating) {
            return Tensor.wrap(ShimOps.subtract(a.handle(), b, -alpha));
        }
        return addIntegers(a.handle(), b, alpha);
    }

    private static Tensor addIntegers(TensorHandle a, TensorHandle b, double alpha) {
        if (alpha != Math.rint(alpha) || Math.abs(alpha) > 1L << 53) {
            throw new IllegalArgumentException("for integer tensors alpha must be an integer, got " + alpha);
        }
        int resultType = Aten.RESULT_TYPE.call().tensor(a).tensor(b).callScalarType();
        if (resultType == DType.BOOL.code() && alpha < 0) {
            throw new IllegalArgumentException("subtracting bool tensors is not supported; use logicalAnd/logicalNot");
        }
        try (TensorHandle factor = ShimOps.scalar((long) alpha);
                TensorHandle scaled = Aten.MUL_TENSOR.call().tensor(b).tensor(factor).callTensor();
                TensorHandle stacked = stackBroadcast(a, scaled)) {
            return Tensor.wrap(Aten.SUM_DIM_INTLIST.call().tensor(stacked).intList(0).bool(false).scalarType(resultType)
                    .callTensor());
        }
    }

    private static TensorHandle stackBroadcast(TensorHandle a, TensorHandle b) {
        TensorHandle[] broadcast = Aten.BROADCAST_TENSORS.call().tensorList(a, b).callTensors();
        try {
            return Aten.STACK.call().tensorList(broadcast).int64(0).callTensor();
        } finally {
            for (TensorHandle handle : broadcast) {
                handle.close();
            }
        }
    }

    /** The p-norm over {@code dims}. */
    static Tensor pNorm(Tensor tensor, double p, int[] dims, boolean keepDim) {
        if (!(p > 0)) {
            throw new IllegalArgumentException("norm order p must be positive, got " + p);
        }
        if (p == 2) {
            return tensor.norm(dims, keepDim);
        }
        try (var scope = TensorScope.open()) {
            Tensor magnitude = tensor.abs();
            Tensor result;
            if (Double.isInfinite(p)) {
                result = Tensor.wrap(ShimOps.amax(magnitude.handle(), Shapes.toLongs(dims), keepDim));
            } else if (p == 1) {
                result = magnitude.sum(dims, keepDim);
            } else {
                result = magnitude.pow(p).sum(dims, keepDim).pow(1 / p);
            }
            return scope.keep(result);
        }
    }
}
