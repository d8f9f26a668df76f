package dev.lipsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lipsim demo --quick}, the whole pipeline as a newcomer runs it. */
class DemoCommandTest {

    @TempDir
    Path work;

    @Test
    void quickDemoWritesItsReportAndSummary() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path folder = work.resolve("demo");
        int status = new Main(List.of(new DemoCommand())).run(new String[] {"demo", "--quick", "--output", folder.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        JsonNode printed = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(folder.resolve("report.html").toString(), printed.get("report").asText());
        JsonNode summary = new ObjectMapper().readTree(folder.resolve("summary.json").toFile());
        assertEquals(List.of("LipSim, distilled and fine-tuned", "LipSim, distilled only", "LipSim, untrained", "pixel l2"),
                List.copyOf(iterable(summary.get("natural"))));
        assertEquals(summary.get("natural"), printed.get("natural"), "the same numbers on stdout and in summary.json");
        assertTrue(Files.readString(folder.resolve("report.html")).contains("certified"));
    }

    private static List<String> iterable(JsonNode object) {
        List<String> names = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
