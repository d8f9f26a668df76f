package dev.lipsim.image;

import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Interpolation;
import dev.lipsim.tensor.PadMode;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.Arrays;

/**
 * The image transforms of the LipSim pipelines, on float {@code [3, H, W]} tensors in [0, 1],
 * following torchvision's definitions. Random ones draw from a seeded {@link Generator}.
 */
public final class Transforms {

    private static final double[] GRAY_WEIGHTS = {0.2989, 0.587, 0.114};

    private Transforms() {}

    /**
     * Bicubic resize with antialiasing, as torchvision's {@code Resize} on a PIL image: like PIL,
     * a horizontal then a vertical pass at 8-bit scale, each rounded to 256 levels. (PIL's
     * fixed-point filter weights can still put a value a level away.)
     */
    public static Tensor resize(Tensor chw, int height, int width) {
        requireImage(chw);
        try (var scope = TensorScope.open()) {
            Tensor levels = chw.unsqueeze(0).mul(255.0);
            if (width != chw.size(2)) {
                levels = toLevels(levels.interpolate(chw.size(1), width, Interpolation.BICUBIC, false, true));
            }
            if (height != chw.size(1)) {
                levels = toLevels(levels.interpolate(height, width, Interpolation.BICUBIC, false, true));
            }
            return scope.keep(levels.div(255.0).squeeze(0).contiguous());
        }
    }

    private static Tensor toLevels(Tensor values) {
        return values.round().clamp(0, 255);
    }

    /**
     * The central {@code size x size} crop, as torchvision's {@code CenterCrop}: an image smaller
     * than the crop is first padded with zeros (more on the right and bottom when odd), and
     * offsets round half to even like Python's {@code round}.
     */
    public static Tensor centerCrop(Tensor chw, int size) {
        requireImage(chw);
        long height = chw.size(1);
        long width = chw.size(2);
        try (var scope = TensorScope.open()) {
            Tensor image = chw;
            if (height < size || width < size) {
                long padLeft = width < size ? (size - width) / 2 : 0;
                long padTop = height < size ? (size - height) / 2 : 0;
                long padRight = width < size ? (size - width + 1) / 2 : 0;
                long padBottom = height < size ? (size - height + 1) / 2 : 0;
                image = image.pad(new long[] {padLeft, padRight, padTop, padBottom}, PadMode.CONSTANT, 0);
                height = image.size(1);
                width = image.size(2);
            }
            long top = Math.round(Math.rint((height - size) / 2.0));
            long left = Math.round(Math.rint((width - size) / 2.0));
            return scope.keep(image.narrow(1, top, size).narrow(2, left, size).contiguous());
        }
    }

    public static Tensor horizontalFlip(Tensor chw) {
        requireImage(chw);
        return chw.flip(2);
    }

    /** Flips with probability {@code p}. */
    public static Tensor randomHorizontalFlip(Tensor chw, double p, Generator generator) {
        return generator.nextDouble() < p ? horizontalFlip(chw) : chw.clone();
    }

    /** The luma {@code 0.2989 R + 0.587 G + 0.114 B}, as {@code [1, H, W]}. */
    public static Tensor grayscale(Tensor chw) {
        requireImage(chw);
        try (var scope = TensorScope.open()) {
            Tensor weights = Tensor.of(GRAY_WEIGHTS, 3, 1, 1).to(chw.dtype());
            return scope.keep(chw.mul(weights).sum(0, true));
        }
    }

    /** Replaces the image by its luma in all three channels with probability {@code p}. */
    public static Tensor randomGrayscale(Tensor chw, double p, Generator generator) {
        return generator.nextDouble() < p ? grayscale(chw).expand(3, -1, -1).contiguous() : chw.clone();
    }

    /** {@code clamp(factor * x, 0, 1)}. */
    public static Tensor adjustBrightness(Tensor chw, double factor) {
        return blend(chw, chw.zerosLike(), factor);
    }

    /** Blends with the mean luma: {@code clamp(factor * x + (1 - factor) * mean, 0, 1)}. */
    public static Tensor adjustContrast(Tensor chw, double factor) {
        try (var scope = TensorScope.open()) {
            return scope.keep(blend(chw, grayscale(chw).mean(), factor));
        }
    }

    /** Blends with the luma: {@code clamp(factor * x + (1 - factor) * gray, 0, 1)}. */
    public static Tensor adjustSaturation(Tensor chw, double factor) {
        try (var scope = TensorScope.open()) {
            return scope.keep(blend(chw, grayscale(chw), factor));
        }
    }

    /** Rotates the hue by {@code shift} turns ({@code |shift| <= 0.5}) in HSV space. */
    public static Tensor adjustHue(Tensor chw, double shift) {
        if (Math.abs(shift) > 0.5) {
            throw new IllegalArgumentException("hue shift must be in [-0.5, 0.5], got " + shift);
        }
        return Hsv.shiftHue(chw, shift);
    }

    /**
     * torchvision's {@code ColorJitter(brightness, contrast, saturation, hue)}: factors drawn
     * uniformly from {@code [max(0, 1 - b), 1 + b]} (hue from {@code [-hue, hue]}), applied in a
     * random order.
     */
    public static Tensor colorJitter(Tensor chw, double brightness, double contrast, double saturation, double hue,
            Generator generator) {
        int[] order = permutation(4, generator);
        double b = uniform(generator, Math.max(0, 1 - brightness), 1 + brightness);
        double c = uniform(generator, Math.max(0, 1 - contrast), 1 + contrast);
        double s = uniform(generator, Math.max(0, 1 - saturation), 1 + saturation);
        double h = uniform(generator, -hue, hue);
        try (var scope = TensorScope.open()) {
            Tensor image = chw;
            for (int step : order) {
                image = switch (step) {
                    case 0 -> brightness > 0 ? adjustBrightness(image, b) : image;
                    case 1 -> contrast > 0 ? adjustContrast(image, c) : image;
                    case 2 -> saturation > 0 ? adjustSaturation(image, s) : image;
                    default -> hue > 0 ? adjustHue(image, h) : image;
                };
            }
            return scope.keep(image == chw ? chw.clone() : image);
        }
    }

    /**
     * {@link #colorJitter} with probability {@code p} (torchvision's
     * {@code RandomApply([ColorJitter(...)], p)}). The jitter parameters are drawn only when it
     * applies, so with {@code p = 1} this equals {@code colorJitter} on the same generator.
     */
    public static Tensor randomColorJitter(Tensor chw, double p, double brightness, double contrast, double saturation,
            double hue, Generator generator) {
        if (p < 1 && generator.nextDouble() >= p) {
            return chw.clone();
        }
        return colorJitter(chw, brightness, contrast, saturation, hue, generator);
    }

    private static Tensor blend(Tensor image, Tensor other, double factor) {
        try (var scope = TensorScope.open()) {
            return scope.keep(image.mul(factor).add(other.mul(1 - factor)).clamp(0, 1));
        }
    }

    private static double uniform(Generator generator, double low, double high) {
        return low + (high - low) * generator.nextDouble();
    }

    private static int[] permutation(int n, Generator generator) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = (int) generator.nextLong(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    static void requireImage(Tensor chw) {
        if (chw.dim() != 3 || chw.size(0) != 3 || !chw.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("expected a float RGB image [3, H, W], got " + Arrays.toString(chw.shape())
                    + " " + chw.dtype());
        }
    }
}
