package dev.lipsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lipsim.tensor.CpuConvolutions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return new Main(List.of(new InfoCommand())).run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void infoReportsTheLoadedLibtorchAsJson() throws Exception {
        assertEquals(0, run("info"));
        JsonNode report = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        if (System.getenv("LIBTORCH") == null && System.getProperty("libtorch.path") == null) {
            assertEquals("2.10.0", report.at("/libtorch/abiVersion").asText());
            assertTrue(report.at("/libtorch/origin").asText().contains("org.bytedeco:pytorch"));
            assertEquals(false, report.at("/cuda/available").asBoolean());
        } else {
            assertTrue(report.at("/libtorch/origin").asText().startsWith("LIBTORCH=")
                    || report.at("/libtorch/origin").asText().startsWith("-Dlibtorch.path="));
        }
        assertTrue(report.at("/threads").asInt() >= 1);
        String mpi = report.at("/mpi/library").asText();
        assertTrue(mpi.endsWith("libmpi.so.40") || mpi.startsWith("none: no Open MPI library found"), mpi);
        assertEquals(false, report.at("/mpi/launchedByMpi").asBoolean(), "not started by mpirun");
        String nccl = report.at("/nccl/library").asText();
        assertTrue(nccl.endsWith("libnccl.so.2") || nccl.startsWith("none: no NCCL library found"), nccl);
        assertEquals(false, report.at("/cuda/tf32Convolutions").asBoolean(), "float32 convolutions unless asked");
        boolean boxedOnly = "boxed".equals(System.getProperty("lipsim.dispatch"));
        assertTrue(report.at("/opCalls/mode").asText().startsWith(boxedOnly ? "boxed" : "unboxed"));
        assertTrue(report.at("/opCalls/unboxedOps").asInt() > 40, report.at("/opCalls").toString());
        assertEquals(0, report.at("/opCalls/failedLayoutChecks").size());
        String path = report.at("/cpuConvolutions/path").asText();
        assertEquals(CpuConvolutions.check().path().label(), report.at("/cpuConvolutions/checkChose").asText());
        assertEquals(CpuConvolutions.path().label(), path);
        assertTrue(report.at("/cpuConvolutions/trials/" + path).asText().startsWith("correct"), report.toString());
    }

    @Test
    void badInputIsOneLineAndExitCodeTwo() {
        assertEquals(2, run("frobnicate"));
        assertEquals("lipsim: unknown command 'frobnicate'; commands: info\n", err.toString(StandardCharsets.UTF_8));
        assertEquals(1, Suggestions.distance("num_channels", "num-chanels"), "one letter dropped; _ and - alike");
        err.reset();
        assertEquals(2, run("info", "--no-such-flag"));
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("lipsim info: unknown flag --no-such-flag (lipsim info --help lists them)"), message);
        assertEquals(1, message.lines().count());
        err.reset();
        assertEquals(2, run("info", "--hepl"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown flag --hepl; did you mean --help?"), err.toString());
        err.reset();
        assertEquals(2, run("inof"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("did you mean 'info'?"), err.toString());
        assertEquals(2, run());
    }

    @Test
    void helpListsOptions() {
        assertEquals(0, run("info", "--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("usage: lipsim info"));
    }

    @Test
    void libtorchStackTracesAreCutToTheirFirstLine() {
        assertEquals("aten::mm failed: shapes cannot be multiplied", Main.oneLine(
                "aten::mm failed: shapes cannot be multiplied\nException raised from meta at ...\nframe #0: c10::Error"));
        assertEquals("failed without a message", Main.oneLine(null));
    }
}
