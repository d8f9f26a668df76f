package dev.lipsim.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class TensorAutogradTest {

    @Test
    void backwardGradZeroAndClear() {
        try (var scope = TensorScope.open()) {
            Tensor x = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
            assertTrue(x.requiresGrad());
            assertNull(x.grad());
            x.square().sum().backward();
            assertArrayEquals(new double[] {2, 4, 6}, x.grad().toDoubleArray());
            x.mul(x).backward(Tensor.of(new double[] {1, 0, -1}, 3));
            assertArrayEquals(new double[] {4, 4, 0}, x.grad().toDoubleArray(), "accumulates 2x * v");
            x.zeroGrad();
            assertArrayEquals(new double[] {0, 0, 0}, x.grad().toDoubleArray());
            x.clearGrad();
            assertNull(x.grad());
            var notScalar = assertThrows(dev.lipsim.bindings.TorchException.class, () -> x.mul(2.0).backward());
            assertTrue(notScalar.getMessage().contains("scalar"), notScalar.getMessage());
        }
    }

    @Test
    void noGradAndEnableGradNestAndRestore() throws Exception {
        try (var scope = TensorScope.open()) {
            Tensor x = Tensor.ones(2).requiresGrad(true);
            assertTrue(Autograd.isEnabled());
            try (var outer = Autograd.noGrad()) {
                assertFalse(x.mul(2.0).requiresGrad());
                try (var inner = Autograd.enableGrad()) {
                    assertTrue(x.mul(2.0).requiresGrad());
                }
                assertFalse(Autograd.isEnabled());
                var other = Executors.newSingleThreadExecutor();
                try {
                    assertTrue(other.submit(Autograd::isEnabled).get(), "the mode is per thread");
                } finally {
                    other.shutdown();
                }
            }
            assertTrue(Autograd.isEnabled());
            Tensor detached = x.mul(2.0).detach();
            assertFalse(detached.requiresGrad());
        }
    }

    @Test
    void inPlaceOnALeafThatRequiresGradIsRefusedAsInPyTorch() {
        try (var scope = TensorScope.open()) {
            Tensor w = Tensor.ones(2).requiresGrad(true);
            var error = assertThrows(dev.lipsim.bindings.TorchException.class, () -> w.mul_(2.0));
            assertTrue(error.getMessage().contains("leaf"), error.getMessage());
            try (var noGrad = Autograd.noGrad()) {
                w.mul_(2.0);
            }
            assertArrayEquals(new double[] {2, 2}, w.toDoubleArray());
        }
    }
}
