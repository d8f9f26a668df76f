package dev.lipsim.tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Large tensors land on transparent huge pages (the loader turns libtorch's THP allocation on). */
class HugePagesTest {

    @Test
    void aLargeTensorIsBackedByHugePages() throws IOException {
        Path mode = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        assumeFalse(!Files.exists(mode) || Files.readString(mode).contains("[never]"), "the kernel has huge pages off");
        try (var scope = TensorScope.open()) {
            long before = anonymousHugePageBytes();
            Tensor.zeros(new long[] {64L << 20 >> 2}, DType.FLOAT32, Device.CPU).fill_(1);  // 64 MiB, touched
            long gained = anonymousHugePageBytes() - before;
            // Without the setting none are used (madvise mode); with it most of the tensor, unless memory is fragmented.
            assertTrue(gained >= 4L << 20, "huge pages grew by " + (gained >> 20) + " MiB for a 64 MiB tensor");
        }
    }

    private static long anonymousHugePageBytes() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/smaps_rollup")).stream().filter(l -> l.startsWith("AnonHugePages:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).findFirst().orElse(0);
    }
}
