package dev.lipsim.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The capture takes libtorch's messages out of stderr and loses none of the JVM's own output. */
class StderrCaptureTest {

    @Test
    void messageDropsHeaderAndBacktrace() {
        String block = """
                [E1124 08:46:10.553448171 shim_common.cpp:507] Exception in aoti_torch: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)
                Exception raised from meta at /pytorch/aten/src/ATen/native/LinearAlgebra.cpp:204 (most recent call first):
                frame #0: c10::Error::Error(c10::SourceLocation, std::string) + 0xac (0x7f1f91df28cc in libc10.so)

                """;
        assertEquals("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", StderrCapture.messageOf(block));
    }

    @Test
    void childJvmKeepsItsStderrAndLosesNoLibtorchBlock() throws IOException, InterruptedException {
        LibTorch.load();
        Assumptions.assumeFalse(ErrorMessages.exact(), "this libtorch reports messages per thread, not on stderr");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), StderrCaptureChild.class.getName())
                .start();
        String stdout = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), stderr);

        assertEquals(List.of("claimed: mat1 and mat2 shapes cannot be multiplied (1x2 and 3x1)"), stdout.lines().toList());
        // JVM output before, around and after the failures, in order, with the partial line completed.
        int before = stderr.indexOf("before [1, 2]\n");
        int partial = stderr.indexOf("partial line, [bracketed part then the rest\n");
        int after = stderr.indexOf("after the failures\n");
        assertTrue(before >= 0 && partial > before && after > partial, stderr);
        // The claimed failure is not printed; the unclaimed one (a raw C call) still reaches stderr.
        assertFalse(stderr.contains("(1x2 and 3x1)"), stderr);
        assertTrue(stderr.contains("Exception in aoti_torch: mat1 and mat2 shapes cannot be multiplied (1x5 and 6x1)"),
                stderr);
        assertFalse(stderr.contains("lipsim-claim"), stderr);
    }
}
