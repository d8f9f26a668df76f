package dev.lipsim.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lipsim.data.ImageFolder;
import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimConfig;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnnClassifierTest {

    @TempDir
    Path work;

    /** {@code count} noisy images of one dominant colour, 20 x 28 (not square, so the crop matters). */
    private static void write(Path folder, int rgb, int count, Random random) throws IOException {
        Files.createDirectories(folder);
        for (int i = 0; i < count; i++) {
            BufferedImage image = new BufferedImage(28, 20, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 20; y++) {
                for (int x = 0; x < 28; x++) {
                    int noise = random.nextInt(40);
                    int r = Math.min(255, ((rgb >> 16) & 255) + noise);
                    int g = Math.min(255, ((rgb >> 8) & 255) + noise);
                    int b = Math.min(255, (rgb & 255) + noise);
                    image.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
            ImageIO.write(image, "png", folder.resolve(i + ".png").toFile());
        }
    }

    @Test
    void separableClassesAreClassifiedPerfectlyAndTheCropHasTheModelsSize() throws IOException {
        Random random = new Random(4);
        for (String split : List.of("train", "val")) {
            write(work.resolve(split).resolve("blue"), 0x2020C0, split.equals("train") ? 6 : 3, random);
            write(work.resolve(split).resolve("red"), 0xC02020, split.equals("train") ? 6 : 3, random);
        }
        try (var scope = TensorScope.open();
                var metric = new LipSim(new LipSimModel(new LipSimConfig(1, 4, 2, 1, 8, 4, 16), new Generator(1)),
                        EmbeddingMap.UNIT, Device.CPU)) {
            Tensor crop = KnnClassifier.resizedCrop(work.resolve("train/red/0.png"), 16);
            assertEquals(List.of(1L, 3L, 16L, 16L), java.util.Arrays.stream(crop.shape()).boxed().toList());
            Map<Integer, Double> accuracy = KnnClassifier.accuracy(metric, ImageFolder.load(work.resolve("train")),
                    ImageFolder.load(work.resolve("val")), List.of(1, 3), 4, 2);
            assertEquals(Map.of(1, 1.0, 3, 1.0), Map.copyOf(accuracy));
        }
    }
}
