package dev.lipsim.bindings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AutogradTest {

    private static final AtenOp MUL = AtenOp.of("aten::mul.Tensor(Tensor self, Tensor other) -> Tensor");
    private static final AtenOp SUM = AtenOp.of("aten::sum(Tensor self, *, ScalarType? dtype=None) -> Tensor");
    private static final AtenOp BACKWARD = AtenOp.of("aten::_backward(Tensor self, Tensor[] inputs, "
            + "Tensor? gradient=None, bool? retain_graph=None, bool create_graph=False) -> ()");
    private static final AtenOp ZERO_ = AtenOp.of("aten::zero_(Tensor(a!) self) -> Tensor(a!)");

    @Test
    void backwardThroughTheDispatcherFillsGrad() {
        try (TensorHandle x = TestTensors.doubles(new double[] {1, 2, 3}, 3)) {
            assertFalse(x.requiresGrad());
            assertNull(x.grad(), "a leaf without gradient has none");
            x.setRequiresGrad(true);
            assertTrue(x.requiresGrad());

            backwardOfSumOfSquares(x);
            try (TensorHandle grad = x.grad()) {
                assertNotNull(grad);
                // d/dx sum(x^2) = 2x
                assertArrayEquals(new double[] {2, 4, 6}, TestTensors.read(grad));
            }

            backwardOfSumOfSquares(x);
            try (TensorHandle grad = x.grad()) {
                assertArrayEquals(new double[] {4, 8, 12}, TestTensors.read(grad), "gradients accumulate");
                ZERO_.call().tensor(grad).callVoid();
            }
            try (TensorHandle grad = x.grad()) {
                assertArrayEquals(new double[] {0, 0, 0}, TestTensors.read(grad), "the handle shares the real gradient");
            }
            x.clearGrad();
            assertNull(x.grad(), "a cleared gradient is gone");
            backwardOfSumOfSquares(x);
            try (TensorHandle grad = x.grad()) {
                assertArrayEquals(new double[] {2, 4, 6}, TestTensors.read(grad), "and starts again from zero");
            }
        }
    }

    @Test
    void gradModeOffRecordsNothing() {
        try (TensorHandle x = TestTensors.doubles(new double[] {1, 2}, 2)) {
            x.setRequiresGrad(true);
            boolean before = dev.lipsim.bindings.ffm.TorchC.aoti_torch_grad_mode_is_enabled();
            dev.lipsim.bindings.ffm.TorchC.aoti_torch_grad_mode_set_enabled(false);
            try (TensorHandle y = MUL.call().tensor(x).tensor(x).callTensor()) {
                assertFalse(y.requiresGrad());
            } finally {
                dev.lipsim.bindings.ffm.TorchC.aoti_torch_grad_mode_set_enabled(before);
            }
            try (TensorHandle y = MUL.call().tensor(x).tensor(x).callTensor()) {
                assertTrue(y.requiresGrad());
            }
        }
    }

    private static void backwardOfSumOfSquares(TensorHandle x) {
        try (TensorHandle squares = MUL.call().tensor(x).tensor(x).callTensor();
                TensorHandle total = SUM.call().tensor(squares).none().callTensor()) {
            BACKWARD.call().tensor(total).tensorList().none().none().bool(false).callVoid();
        }
    }
}
