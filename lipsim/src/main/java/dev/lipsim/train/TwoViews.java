package dev.lipsim.train;

import dev.lipsim.image.ImageDecoder;
import dev.lipsim.image.Transforms;
import dev.lipsim.teacher.Teacher;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One image of a distillation epoch and the two views the reference makes of it, both from the
 * centre crop (zero-padded when the image is smaller, never resized): view 0 flipped
 * horizontally with probability 1/2, which the teacher sees; view 1 with its own flip, colour
 * jitter (0.4, 0.4, 0.2, 0.1) with probability 0.8 and grayscale with probability 0.2. Every
 * random choice comes from the item's own seed, so the views do not depend on which thread
 * decodes them or when.
 *
 * @param image the file
 * @param key its path relative to the image folder (the teacher's name for it)
 * @param seed the seed of this item's random choices in this epoch
 */
public record TwoViews(Path image, String key, long seed) {

    /** Whether view 0 is flipped: the first draw of the item's generator. */
    public boolean firstViewFlipped() {
        return new Generator(seed).nextDouble() < 0.5;
    }

    /** What the teacher is asked about: view 0. */
    public Teacher.View teacherView() {
        return new Teacher.View(key, firstViewFlipped());
    }

    /** Both views, {@code [2, 3, crop, crop]} in [0, 1]. */
    public Tensor decode(int crop) throws IOException {
        try (var scope = TensorScope.open()) {
            Tensor cropped = Transforms.centerCrop(ImageDecoder.read(image), crop);
            Generator generator = new Generator(seed);
            Tensor first = generator.nextDouble() < 0.5 ? Transforms.horizontalFlip(cropped) : cropped;
            Tensor second = Transforms.randomHorizontalFlip(cropped, 0.5, generator);
            second = Transforms.randomColorJitter(second, 0.8, 0.4, 0.4, 0.2, 0.1, generator);
            second = Transforms.randomGrayscale(second, 0.2, generator);
            return TensorScope.release(Tensor.stack(java.util.List.of(first, second), 0));
        }
    }
}
