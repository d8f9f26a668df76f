package dev.lipsim.bindings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Threads calling ops at once get their own results and never another thread's error message. */
class ConcurrencyTest {

    private static final AtenOp MM = AtenOp.of("aten::mm(Tensor self, Tensor mat2) -> Tensor");
    private static final int THREADS = 8;
    private static final int ITERATIONS = 200;

    @Test
    void concurrentCallsAndFailuresStayApart() throws Exception {
        AtomicInteger captured = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int thread = 0; thread < THREADS; thread++) {
                int k = thread + 2;
                futures.add(pool.submit(() -> work(k, captured)));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(captured.get() > 0, "at least some messages are attributed");
    }

    private static void work(int k, AtomicInteger captured) {
        for (int i = 0; i < ITERATIONS; i++) {
            // k x k matrix of (i + 1) times the k-vector of ones: every entry is k * (i + 1).
            float[] filled = new float[k * k];
            java.util.Arrays.fill(filled, i + 1);
            float[] ones = new float[k];
            java.util.Arrays.fill(ones, 1);
            try (TensorHandle a = TestTensors.floats(filled, k, k);
                    TensorHandle b = TestTensors.floats(ones, k, 1);
                    TensorHandle c = MM.call().tensor(a).tensor(b).callTensor()) {
                double[] expected = new double[k];
                java.util.Arrays.fill(expected, k * (i + 1.0));
                assertArrayEquals(expected, TestTensors.read(c));
            }
            if (i % 10 == 0) {
                try (TensorHandle a = TestTensors.floats(new float[k * 3], k, 3);
                        TensorHandle b = TestTensors.floats(new float[4 * k], 4, k)) {
                    MM.call().tensor(a).tensor(b).callTensor().close();
                    fail("mismatched shapes must fail");
                } catch (TorchException e) {
                    assertEquals("(self=Tensor[" + k + ", 3] float32 cpu, mat2=Tensor[4, " + k + "] float32 cpu)",
                            e.arguments());
                    if (e.nativeMessage() != null) {
                        assertEquals("mat1 and mat2 shapes cannot be multiplied (" + k + "x3 and 4x" + k + ")",
                                e.nativeMessage());
                        captured.incrementAndGet();
                    }
                }
            }
        }
    }

    @Test
    void nestedCallsOnOneThread() {
        try (TensorHandle a = TestTensors.floats(new float[] {2}, 1, 1);
                TensorHandle b = TestTensors.floats(new float[] {3}, 1, 1)) {
            // The second argument is computed by another call while the first call is being built.
            var outer = MM.call().tensor(a);
            try (TensorHandle inner = MM.call().tensor(b).tensor(b).callTensor();
                    TensorHandle result = outer.tensor(inner).callTensor()) {
                assertNotNull(result);
                assertArrayEquals(new double[] {18}, TestTensors.read(result));
            }
        }
    }
}
