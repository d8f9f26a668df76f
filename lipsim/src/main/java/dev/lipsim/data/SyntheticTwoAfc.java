package dev.lipsim.data;

import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.PadMode;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.AtomicFiles;
import dev.lipsim.tensor.io.Images;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Writes a synthetic 2AFC dataset in the NIGHT layout, for tests and demonstrations.
 *
 * <p>Each reference is a procedural image (a colour gradient with random discs and boxes).
 * One alternative gets a perceptually small change (a shift of a few pixels, a brightness change
 * or a slight blur) and the other a perceptually large one (noise, an occluding patch or swapped
 * colour channels), scaled so that its pixel distance to the reference is within 15% of the
 * small change's either way. The simulated observers always prefer the small change (votes
 * 0.9 / 0.1), so a metric must be invariant to the small changes to score well, while plain
 * pixel l2 distance scores near chance. About 5% of the rows have fewer than 6 votes, which
 * loaders drop, as in NIGHT.
 */
public final class SyntheticTwoAfc {

    /** The largest image side written (a 4096 x 4096 image is 200 MB in float32 while it is made). */
    public static final int MAX_SIZE = 4096;

    private static final String HEADER = "id,left_vote,right_vote,votes,ref_path,left_path,right_path,split,is_imagenet";

    private SyntheticTwoAfc() {}

    /**
     * Writes {@code count} triplets of {@code size x size} images into the empty or new folder
     * {@code root} (a folder with anything in it is refused, so nothing is overwritten).
     */
    public static void write(Path root, int count, int size, long seed) throws IOException {
        if (count <= 0 || size < 8 || size > MAX_SIZE) {
            throw new IllegalArgumentException("need a positive count and images of 8 to " + MAX_SIZE + " pixels, got " + count
                    + " triplets of " + size + " pixels");
        }
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new IllegalArgumentException("output " + root + " is a file, not a folder; choose a new or empty folder");
        }
        if (Files.exists(root)) {
            try (Stream<Path> entries = Files.list(root)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("output folder " + root + " is not empty; choose a new or empty folder");
                }
            }
        }
        Generator generator = new Generator(seed);
        List<String> rows = new ArrayList<>();
        rows.add(HEADER);
        for (int n = 0; n < count; n++) {
            rows.add(writeTriplet(root, n, size, generator));
        }
        AtomicFiles.write(root.resolve("data.csv"), temporary -> Files.write(temporary, rows, StandardCharsets.UTF_8));
    }

    private static String writeTriplet(Path root, int n, int size, Generator generator) throws IOException {
        String folder = String.format(Locale.ROOT, "%03d", n / 100);
        String refPath = "ref/" + folder + "/" + n + ".png";
        String leftPath = "distort/" + folder + "/" + n + "_0.png";
        String rightPath = "distort/" + folder + "/" + n + "_1.png";
        boolean smallOnRight = generator.nextDouble() < 0.5;
        try (var scope = TensorScope.open()) {
            Tensor reference = procedural(size, generator);
            Tensor small = smallChange(reference, generator);
            double smallDistance = small.sub(reference).norm().item();
            Tensor large = largeChange(reference, smallDistance * (0.85 + 0.3 * generator.nextDouble()), generator);
            save(reference, root.resolve(refPath));
            save(smallOnRight ? large : small, root.resolve(leftPath));
            save(smallOnRight ? small : large, root.resolve(rightPath));
        }
        double rightVote = smallOnRight ? 0.9 : 0.1;
        int votes = generator.nextDouble() < 0.05 ? 4 : 10;
        double draw = generator.nextDouble();
        String split = draw < 0.8 ? "train" : draw < 0.9 ? "val" : "test";
        boolean imagenet = generator.nextDouble() < 0.5;
        return String.join(",", Integer.toString(n), fraction(1 - rightVote), fraction(rightVote), Integer.toString(votes),
                refPath, leftPath, rightPath, split, imagenet ? "True" : "False");
    }

    private static String fraction(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    /** A vertical colour gradient with a few random discs and boxes, [3, size, size] in [0, 1]. */
    static Tensor procedural(int size, Generator generator) {
        float[] pixels = new float[3 * size * size];
        double[] top = randomColor(generator);
        double[] bottom = randomColor(generator);
        int shapes = 2 + (int) generator.nextLong(4);
        double[][] shape = new double[shapes][];
        for (int s = 0; s < shapes; s++) {
            double[] color = randomColor(generator);
            shape[s] = new double[] {generator.nextDouble() * size, generator.nextDouble() * size,
                    size * (0.1 + 0.25 * generator.nextDouble()), generator.nextDouble() < 0.5 ? 0 : 1,
                    color[0], color[1], color[2]};
        }
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double t = (double) y / (size - 1);
                double[] rgb = {top[0] * (1 - t) + bottom[0] * t, top[1] * (1 - t) + bottom[1] * t,
                        top[2] * (1 - t) + bottom[2] * t};
                for (double[] s : shape) {
                    double dx = x - s[0];
                    double dy = y - s[1];
                    boolean inside = s[3] == 0 ? dx * dx + dy * dy < s[2] * s[2] : Math.abs(dx) < s[2] && Math.abs(dy) < s[2];
                    if (inside) {
                        rgb = new double[] {s[4], s[5], s[6]};
                    }
                }
                for (int c = 0; c < 3; c++) {
                    pixels[c * size * size + y * size + x] = (float) rgb[c];
                }
            }
        }
        return Tensor.of(pixels, 3, size, size);
    }

    private static double[] randomColor(Generator generator) {
        return new double[] {generator.nextDouble(), generator.nextDouble(), generator.nextDouble()};
    }

    /** A shift by 1-2 pixels, a brightness change of 6-12%, or a 3x3 blur. */
    static Tensor smallChange(Tensor image, Generator generator) {
        int kind = (int) generator.nextLong(3);
        return switch (kind) {
            case 0 -> {
                int shift = 1 + (int) generator.nextLong(2);
                long size = image.size(2);
                yield image.pad(new long[] {shift, 0}, PadMode.REPLICATE, 0).narrow(2, 0, size);
            }
            case 1 -> image.mul(generator.nextDouble() < 0.5 ? 0.88 + 0.06 * generator.nextDouble()
                    : 1.06 + 0.06 * generator.nextDouble()).clamp(0, 1);
            default -> image.unsqueeze(0).pad(new long[] {1, 1, 1, 1}, PadMode.REPLICATE, 0).avgPool2d(3, 1).squeeze(0);
        };
    }

    /** Noise, an occluding grey patch, or swapped colour channels, scaled to {@code distance} from the image. */
    static Tensor largeChange(Tensor image, double distance, Generator generator) {
        int kind = (int) generator.nextLong(3);
        long size = image.size(2);
        Tensor changed = switch (kind) {
            case 0 -> image.add(Tensor.randn(generator, image.shape(), DType.FLOAT32, Device.CPU).mul(0.2));
            case 1 -> {
                long patch = Math.max(2, size / 4);
                long top = generator.nextLong(size - patch + 1);
                long left = generator.nextLong(size - patch + 1);
                Tensor occluded = image.clone();
                occluded.narrow(1, top, patch).narrow(2, left, patch).fill_(0.5);
                yield occluded;
            }
            default -> image.indexSelect(0, Tensor.of(new long[] {2, 0, 1}, 3));
        };
        Tensor difference = changed.sub(image);
        double norm = difference.norm().item();
        if (norm == 0) {
            difference = Tensor.randn(generator, image.shape(), DType.FLOAT32, Device.CPU);
            norm = difference.norm().item();
        }
        return image.add(difference.mul(distance / norm)).clamp(0, 1);
    }

    private static void save(Tensor image, Path file) {
        try {
            Files.createDirectories(file.getParent());
            Images.writePng(file, image);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
