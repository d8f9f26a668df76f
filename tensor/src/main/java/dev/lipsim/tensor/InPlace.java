package dev.lipsim.tensor;

import dev.lipsim.bindings.AtenOp;
import dev.lipsim.bindings.ShimOps;
import dev.lipsim.bindings.TensorHandle;

/**
 * In-place updates. {@code add_}, {@code addcmul_} and {@code addcdiv_} take a Scalar in ATen,
 * which the 2.10 C ABI cannot pass, so they use the {@code _foreach_*_.Tensor} overloads, whose
 * scale factor is a one-element CPU tensor.
 */
final class InPlace {

    private InPlace() {}

    static Tensor apply(Tensor self, AtenOp op, TensorHandle other) {
        op.call().tensor(self.handle()).tensor(other).callVoid();
        return self;
    }

    /** {@code self += value * t1 * t2}. */
    static Tensor addcmul(Tensor self, TensorHandle t1, TensorHandle t2, double value) {
        return foreach(Aten.FOREACH_ADDCMUL_INPLACE, self, t1, t2, value);
    }

    /** {@code self += value * t1 / t2}. */
    static Tensor addcdiv(Tensor self, TensorHandle t1, TensorHandle t2, double value) {
        return foreach(Aten.FOREACH_ADDCDIV_INPLACE, self, t1, t2, value);
    }

    private static Tensor foreach(AtenOp op, Tensor self, TensorHandle t1, TensorHandle t2, double value) {
        try (TensorHandle scalars = ShimOps.full(new long[] {1}, value, DType.FLOAT64.code(), Device.CPU.typeCode(),
                Device.CPU.indexCode())) {
            op.call().tensorList(self.handle()).tensorList(t1).tensorList(t2).tensor(scalars).callVoid();
        }
        return self;
    }
}
