package dev.lipsim.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class TensorScopeTest {

    @Test
    void aScopeFreesWhatWasMadeInIt() {
        long before = Tensor.liveCount();
        Tensor inner;
        try (var scope = TensorScope.open()) {
            inner = Tensor.ones(2, 2).mul(3.0).exp();
            assertEquals(3, scope.size());
            assertEquals(before + 3, Tensor.liveCount());
        }
        assertTrue(inner.isClosed());
        assertEquals(before, Tensor.liveCount());
        var error = assertThrows(IllegalStateException.class, inner::shape);
        assertTrue(error.getMessage().contains("closed"), error.getMessage());
    }

    @Test
    void keepMovesATensorToTheEnclosingScope() {
        long before = Tensor.liveCount();
        try (var outer = TensorScope.open()) {
            Tensor kept;
            try (var inner = TensorScope.open()) {
                Tensor temporary = Tensor.ones(3);
                kept = inner.keep(temporary.mul(2.0));
                assertThrows(IllegalArgumentException.class, () -> outer.keep(temporary), "not the outer scope's");
            }
            assertFalse(kept.isClosed());
            assertEquals(6, kept.sum().item());
            assertEquals(2, outer.size());
        }
        assertEquals(before, Tensor.liveCount());
    }

    @Test
    void scopesCloseInnermostFirstOnTheirOwnThread() throws Exception {
        TensorScope outer = TensorScope.open();
        TensorScope inner = TensorScope.open();
        assertThrows(IllegalStateException.class, outer::close);
        var other = Executors.newSingleThreadExecutor();
        try {
            var failure = other.submit(() -> assertThrows(IllegalStateException.class, inner::close)).get();
            assertTrue(failure.getMessage().contains("thread"), failure.getMessage());
        } finally {
            other.shutdown();
        }
        inner.close();
        outer.close();
        outer.close();
    }

    @Test
    void tensorsOutsideEveryScopeAreFreedByTheCleaner() throws InterruptedException {
        long before = Tensor.liveCount();
        for (int i = 0; i < 100; i++) {
            Tensor.ones(4);
        }
        assertTrue(Tensor.liveCount() >= before + 100 - 1);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Tensor.liveCount() > before && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(before, Tensor.liveCount(), "unreachable tensors are freed");
        Tensor owned = Tensor.ones(1);
        owned.close();
        owned.close();
        assertTrue(owned.isClosed());
    }

    /** 10k iterations of a small forward/backward/update loop keep handles at baseline and RSS flat. */
    @Test
    void trainingLoopInScopesDoesNotGrow() throws IOException {
        try (var model = TensorScope.open()) {
            Tensor w = Tensor.randn(new Generator(1), new long[] {8, 4}, DType.FLOAT32, Device.CPU).requiresGrad(true);
            Tensor x = Tensor.randn(new Generator(2), new long[] {16, 8}, DType.FLOAT32, Device.CPU);
            Tensor y = Tensor.randn(new Generator(3), new long[] {16, 4}, DType.FLOAT32, Device.CPU);
            train(w, x, y, 2_000);
            long handles = Tensor.liveCount();
            // A leak grows every window alike; warm-up effects (JIT, heap sizing) do not repeat.
            long start = nativeResidentBytes();
            train(w, x, y, 5_000);
            long middle = nativeResidentBytes();
            train(w, x, y, 5_000);
            long end = nativeResidentBytes();
            assertEquals(handles, Tensor.liveCount());
            long growth = Math.min(middle - start, end - middle);
            assertTrue(growth < 8L << 20, "resident memory outside the Java heap grew by " + (middle - start) + " then "
                    + (end - middle) + " bytes per 5k steps");
        }
    }

    private static void train(Tensor w, Tensor x, Tensor y, int steps) {
        for (int i = 0; i < steps; i++) {
            try (var step = TensorScope.open()) {
                Tensor loss = x.matmul(w).sub(y).square().mean();
                loss.backward();
                try (var noGrad = Autograd.noGrad()) {
                    w.sub_(w.grad().mul(0.01));
                }
                w.clearGrad();
            }
        }
    }

    /**
     * Resident anonymous memory less the Java heap's committed size, after a collection: native
     * memory, without the heap growing into its committed space as garbage accumulates.
     */
    static long nativeResidentBytes() throws IOException {
        System.gc();
        return anonymousResidentBytes() - ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
    }

    /** Resident memory not backed by files (libtorch's code pages come and go with use). */
    static long anonymousResidentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("RssAnon:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no RssAnon in /proc/self/status");
    }
}
