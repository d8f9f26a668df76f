package dev.lipsim.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {

    @TempDir
    Path work;

    /** Distinct colours in a grid of samples: a blank image has one, a chart with text and lines many. */
    private static int colours(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(900, image.getWidth());
        assertEquals(600, image.getHeight());
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) {
                seen.add(image.getRGB(x, y));
            }
        }
        return seen.size();
    }

    @Test
    void writesReadableChartsAndLeavesNoTemporaryFiles() throws IOException {
        Path lines = work.resolve("charts/accuracy.png");
        Plots.lines(lines, "Certified accuracy", "eps", "accuracy", Map.of("ours",
                new Plots.Series(new double[] {0, 0.1, 0.2}, new double[] {0.9, 0.5, 0.1})));
        Path histogram = work.resolve("charts/radii.png");
        Plots.histogram(histogram, "Radii", "radius", new double[] {0.1, 0.2, 0.2, 0.5, Double.POSITIVE_INFINITY}, 10);
        assertTrue(colours(lines) > 10, "the line chart is not blank");
        assertTrue(colours(histogram) > 10, "the histogram is not blank");
        try (Stream<Path> files = Files.list(work.resolve("charts"))) {
            assertEquals(Set.of("accuracy.png", "radii.png"), Set.copyOf(files.map(f -> f.getFileName().toString()).toList()));
        }
        assertThrows(IllegalArgumentException.class, () -> Plots.histogram(work.resolve("none.png"), "Radii", "radius",
                new double[] {Double.POSITIVE_INFINITY}, 10));
    }
}
