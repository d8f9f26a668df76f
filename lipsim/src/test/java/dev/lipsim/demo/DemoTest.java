package dev.lipsim.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.model.LipSimConfig;
import dev.lipsim.teacher.DemoTeacher;
import dev.lipsim.train.Progress;
import dev.lipsim.train.StepRecord;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demonstration pipeline at its smallest: what it writes, that reruns replace it, and that it never takes over a user's folder. */
class DemoTest {

    private static final DemoSettings TINY = new DemoSettings(60, new LipSimConfig(1, 32, 8, 1, 128, DemoTeacher.DIMENSION, 32),
            1, 1, 16, 2, 4, List.of(0.0, 36 / 255.0), 7);

    @TempDir
    Path folder;

    @Test
    void writesASelfContainedReportAndTheSameSummaryOnEveryRunWithTheSameSeed() throws Exception {
        List<String> notes = new ArrayList<>();
        DemoSummary summary = Demo.run(folder, TINY, new Progress() {
            @Override
            public void started(long firstStep, long totalSteps) {}

            @Override
            public void stepped(StepRecord record) {}

            @Override
            public void note(String message) {
                notes.add(message);
            }

            @Override
            public void close() {}
        }, () -> false, 1);
        assertEquals(7, notes.stream().filter(note -> note.matches("\\[\\d/7\\] .*")).count(),
                "every stage announced: " + notes);
        DemoReport.write(folder, summary);
        byte[] first = Files.readAllBytes(folder.resolve("summary.json"));
        String report = Files.readString(folder.resolve("report.html"));
        assertTrue(report.startsWith("<!DOCTYPE html>") && !report.contains("http"), "one page, nothing fetched");
        Matcher images = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(report);
        int plots = 0;
        while (images.find()) {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(images.group(1))));
            if (image.getWidth() == 900) {
                plots++;
                assertEquals(600, image.getHeight());
                assertTrue(colours(image) > 2, "a plot is not blank");
            }
        }
        assertEquals(4, plots, "2AFC by method, certified accuracy, accuracy under attack, radii");
        double natural = summary.natural().get("LipSim, distilled and fine-tuned").accuracy();
        for (double eps : TINY.eps()) {
            double certified = summary.certified().certified().get(eps);
            for (var attack : summary.attacks().values()) {
                assertTrue(certified <= attack.robust().get(eps) && attack.robust().get(eps) <= natural, "certified <= attacked"
                        + " <= natural at " + eps);
            }
        }
        assertEquals(summary.data().testTriplets(), summary.radii().length);

        Files.writeString(folder.resolve("work/stale.txt"), "from an earlier run");
        DemoReport.write(folder, Demo.run(folder, TINY, Progress.silent(), () -> false, 1));
        assertArrayEquals(first, Files.readAllBytes(folder.resolve("summary.json")), "the same seed, the same summary");
        assertTrue(Files.notExists(folder.resolve("work/stale.txt")), "a rerun starts from an empty work folder");
    }

    @Test
    void refusesAFolderHoldingSomeoneElsesFiles() throws IOException {
        Path mine = Files.writeString(folder.resolve("thesis.tex"), "do not lose");
        var error = assertThrows(IOException.class, () -> Demo.run(folder, TINY, Progress.silent(), () -> false, 1));
        assertTrue(error.getMessage().contains("holds files that lipsim demo did not write"), error.getMessage());
        assertEquals("do not lose", Files.readString(mine));
    }

    @Test
    void stopsWithoutAReportWhenAskedTo() {
        assertThrows(Demo.Stopped.class, () -> Demo.run(folder, TINY, Progress.silent(), () -> true, 1));
        assertTrue(Files.notExists(folder.resolve("report.html")));
    }

    private static int colours(BufferedImage image) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 7) {
            for (int x = 0; x < image.getWidth(); x += 7) {
                seen.add(image.getRGB(x, y));
            }
        }
        return seen.size();
    }
}
