package dev.lipsim.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A long loop of dispatcher calls keeps handles and resident memory flat. */
class OwnershipTest {

    private static final AtenOp MUL = AtenOp.of("aten::mul.Tensor(Tensor self, Tensor other) -> Tensor");
    private static final AtenOp SPLIT = AtenOp.of("aten::split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) -> Tensor(a)[]");
    private static final AtenOp SUM_DIM = AtenOp.of("aten::sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor");
    /** A leaked 2x2 result costs a few hundred bytes; 100k calls would leak tens of MB per window. */
    private static final long ALLOWED_GROWTH_BYTES = 8L << 20;

    @Test
    void hundredThousandCallsLeakNothing() throws IOException {
        try (TensorHandle a = TestTensors.floats(new float[] {1, 2, 3, 4}, 2, 2);
                TensorHandle b = TestTensors.floats(new float[] {5, 6, 7, 8}, 2, 2)) {
            loop(a, b, 20_000);
            long handles = TensorHandle.liveCount();
            // A leak grows every window alike; warm-up effects (JIT, heap sizing) do not repeat.
            long start = nativeResidentBytes();
            loop(a, b, 50_000);
            long middle = nativeResidentBytes();
            loop(a, b, 50_000);
            long end = nativeResidentBytes();
            long growth = Math.min(middle - start, end - middle);
            assertEquals(handles, TensorHandle.liveCount());
            assertTrue(growth < ALLOWED_GROWTH_BYTES, "resident memory outside the Java heap grew by " + (middle - start) + " then "
                    + (end - middle) + " bytes per 50k iterations");
        }
    }

    @Test
    void trackingModeRecordsWhereOpenHandlesWereCreated() throws IOException, InterruptedException {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(javaBin.toString(), "--enable-native-access=ALL-UNNAMED", "-Dlipsim.trackHandles=true",
                "-cp", System.getProperty("java.class.path"), TrackHandlesChild.class.getName()).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(List.of("live=1", "origin=" + TrackHandlesChild.class.getName() + ".leakOne", "after close=0"),
                output.lines().toList());
        assertEquals(List.of(), TensorHandle.liveOrigins(), "off by default");
    }

    /** Every third call also passes lists and optional boxes, and returns a list. */
    private static void loop(TensorHandle a, TensorHandle b, int calls) {
        for (int i = 0; i < calls; i++) {
            try (TensorHandle product = MUL.call().tensor(a).tensor(b).callTensor()) {
                if (i % 3 == 0) {
                    SUM_DIM.call().tensor(product).intList(0).bool(true).none().callTensor().close();
                    for (TensorHandle part : SPLIT.call().tensor(product).int64(1).int64(0).callTensors()) {
                        part.close();
                    }
                }
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
        return statusBytes("RssAnon:");
    }

    private static long statusBytes(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }
}
