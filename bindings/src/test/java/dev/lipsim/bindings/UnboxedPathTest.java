package dev.lipsim.bindings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which path a call takes, what each refusal looks like to the caller (libtorch's own error,
 * through the boxed call), and that autograd sees the same graph either way.
 */
class UnboxedPathTest {

    private static final AtenOp MUL = AtenOp.of("aten::mul.Tensor(Tensor self, Tensor other) -> Tensor");
    private static final AtenOp TRANSPOSE = AtenOp.of("aten::transpose.int(Tensor(a) self, int dim0, int dim1) -> Tensor(a)");
    private static final AtenOp SELECT = AtenOp.of("aten::select.int(Tensor(a) self, int dim, SymInt index) -> Tensor(a)");
    private static final AtenOp RESHAPE = AtenOp.of("aten::reshape(Tensor(a) self, SymInt[] shape) -> Tensor(a)");
    private static final AtenOp MM = AtenOp.of("aten::mm(Tensor self, Tensor mat2) -> Tensor");
    private static final AtenOp MEAN = AtenOp.of("aten::mean(Tensor self, *, ScalarType? dtype=None) -> Tensor");
    private static final AtenOp WHERE = AtenOp.of("aten::where.self(Tensor condition, Tensor self, Tensor other) -> Tensor");
    private static final AtenOp EXP = AtenOp.of("aten::exp(Tensor self) -> Tensor");
    private static final AtenOp SUM = AtenOp.of("aten::sum(Tensor self, *, ScalarType? dtype=None) -> Tensor");
    private static final AtenOp MAX_DIM = AtenOp.of("aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)");
    private static final AtenOp BACKWARD = AtenOp.of("aten::_backward(Tensor self, Tensor[] inputs, "
            + "Tensor? gradient=None, bool? retain_graph=None, bool create_graph=False) -> ()");

    @AfterEach
    void restoreTheConfiguredPath() {
        Dispatch.forceBoxed(Dispatch.CONFIGURED_BOXED);
    }

    @Test
    void aSmallValidCallTakesTheUnboxedPath() {
        try (TensorHandle a = TestTensors.floats(new float[] {1, 2, 3, 4}, 2, 2);
                TensorHandle b = TestTensors.floats(new float[] {5, 6}, 2)) {
            long before = MUL.unboxedCalls;
            try (TensorHandle product = MUL.call().tensor(a).tensor(b).callTensor()) {
                assertArrayEquals(new double[] {5, 12, 15, 24}, TestTensors.read(product));
            }
            assertEquals(before + 1, MUL.unboxedCalls);
            TensorHandle[] maxima = MAX_DIM.call().tensor(a).int64(1).bool(false).callTensors();
            assertArrayEquals(new double[] {2, 4}, TestTensors.read(maxima[0]));
            assertArrayEquals(new double[] {1, 1}, TestTensors.read(maxima[1]));
            assertEquals(AbiCodes.dtype("int64"), maxima[1].dtypeCode());
            for (TensorHandle tensor : maxima) {
                tensor.close();
            }
        }
    }

    @Test
    void eachRefusalReportsLibtorchsOwnError() {
        try (TensorHandle matrix = TestTensors.floats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
                TensorHandle vector = TestTensors.floats(new float[] {1, 2}, 2);
                TensorHandle longs = TestTensors.longs(new long[] {1, 2}, 2)) {
            assertRefused(MUL, c -> c.tensor(matrix).tensor(vector), "The size of tensor a (3) must match the size of tensor b (2)");
            assertRefused(TRANSPOSE, c -> c.tensor(matrix).int64(0).int64(2), "Dimension out of range");
            assertRefused(SELECT, c -> c.tensor(matrix).int64(1).int64(3), "out of range");
            assertRefused(RESHAPE, c -> c.tensor(matrix).intList(4, 2), "is invalid for input of size 6");
            assertRefused(MM, c -> c.tensor(matrix).tensor(matrix), "cannot be multiplied");
            assertRefused(MEAN, c -> c.tensor(longs).none(), "floating point");
            assertRefused(WHERE, c -> c.tensor(vector).tensor(vector).tensor(vector), "condition");
        }
    }

    @Test
    void largeTensorsTakeTheBoxedPath() {
        long elements = Preconditions.MAX_ELEMENTS + 1;
        try (TensorHandle big = ShimOps.full(new long[] {elements}, 2, AbiCodes.dtype("float32"), AbiCodes.deviceType("cpu"), 0)) {
            long before = EXP.unboxedCalls;
            try (TensorHandle result = EXP.call().tensor(big).callTensor()) {
                assertEquals(elements, result.numel());
            }
            assertEquals(before, EXP.unboxedCalls);
        }
    }

    @Test
    void gradientsAreTheSameOnBothPaths() {
        double[] unboxed = gradientOfSmallGraph();
        Dispatch.forceBoxed(true);
        long before = MM.unboxedCalls + EXP.unboxedCalls + MUL.unboxedCalls;
        double[] boxed = gradientOfSmallGraph();
        assertEquals(before, MM.unboxedCalls + EXP.unboxedCalls + MUL.unboxedCalls, "forced boxed");
        assertArrayEquals(boxed, unboxed);
    }

    @Test
    void theReportNamesEachOpsPath() {
        Dispatch.Report report = Dispatch.report();
        assertEquals(UnboxedRules.schemas().size(), report.unboxedOps().size(), report.unavailable().toString());
        assertTrue(report.unboxedOps().contains("aten::mul.Tensor"), report.unboxedOps().toString());
        assertEquals(java.util.List.of(), report.failedLayoutChecks());
    }

    /** d/dx sum(exp(x @ w) * x) for a 2x2 x and w, through mm, exp, mul and sum. */
    private static double[] gradientOfSmallGraph() {
        try (TensorHandle x = TestTensors.doubles(new double[] {0.1, -0.2, 0.3, 0.4}, 2, 2);
                TensorHandle w = TestTensors.doubles(new double[] {0.5, 0.6, -0.7, 0.8}, 2, 2)) {
            x.setRequiresGrad(true);
            try (TensorHandle product = MM.call().tensor(x).tensor(w).callTensor();
                    TensorHandle exp = EXP.call().tensor(product).callTensor();
                    TensorHandle scaled = MUL.call().tensor(exp).tensor(x).callTensor();
                    TensorHandle loss = SUM.call().tensor(scaled).none().callTensor()) {
                BACKWARD.call().tensor(loss).tensorList(x).none().none().bool(false).callVoid();
            }
            try (TensorHandle grad = x.grad()) {
                return TestTensors.read(grad);
            }
        }
    }

    private static void assertRefused(AtenOp op, Function<OpCall, OpCall> arguments, String message) {
        long before = op.unboxedCalls;
        TorchException error = assertThrows(TorchException.class, () -> arguments.apply(op.call()).callTensor().close());
        assertTrue(error.getMessage().contains(message), error.getMessage());
        assertEquals(before, op.unboxedCalls, "refused: the boxed call answered");
    }
}
