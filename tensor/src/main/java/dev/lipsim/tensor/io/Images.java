package dev.lipsim.tensor.io;

import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;

/**
 * Conversions between images and tensors. Image tensors are float CHW with values in [0, 1],
 * as torchvision's {@code to_tensor} gives; pixel arrays are HWC.
 */
public final class Images {

    private Images() {}

    /**
     * An RGB image as a float32 {@code [3, H, W]} tensor in [0, 1]. Grayscale images are
     * replicated to three channels with their sample values (Java's colour management would
     * otherwise brighten them), alpha is dropped (as PIL's {@code convert("RGB")} does), 16-bit
     * samples are scaled to [0, 1].
     */
    public static Tensor toTensor(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        float[] chw = new float[3 * width * height];
        int plane = width * height;
        Raster raster = image.getRaster();
        boolean gray = image.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY
                && raster.getNumBands() <= 2;
        if (gray) {
            float scale = (float) ((1L << image.getColorModel().getComponentSize(0)) - 1);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    float value = raster.getSample(x, y, 0) / scale;
                    int i = y * width + x;
                    chw[i] = value;
                    chw[plane + i] = value;
                    chw[2 * plane + i] = value;
                }
            }
        } else {
            int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
            for (int i = 0; i < argb.length; i++) {
                chw[i] = ((argb[i] >> 16) & 0xFF) / 255f;
                chw[plane + i] = ((argb[i] >> 8) & 0xFF) / 255f;
                chw[2 * plane + i] = (argb[i] & 0xFF) / 255f;
            }
        }
        return Tensor.of(chw, 3, height, width);
    }

    /** Writes a {@code [3, H, W]} or {@code [1, H, W]} tensor in [0, 1] as an 8-bit PNG, atomically. */
    public static void writePng(Path file, Tensor chw) throws IOException {
        BufferedImage image = toImage(chw);
        AtomicFiles.write(file, temporary -> {
            if (!ImageIO.write(image, "png", temporary.toFile())) {
                throw new IOException("no PNG writer available");
            }
        });
    }

    /**
     * An 8-bit RGB image from a {@code [3, H, W]} or {@code [1, H, W]} tensor in [0, 1] (values
     * are clamped, then rounded to the nearest of 256 levels).
     */
    public static BufferedImage toImage(Tensor chw) {
        long[] shape = chw.shape();
        if (shape.length != 3 || (shape[0] != 1 && shape[0] != 3)) {
            throw new IllegalArgumentException("an image tensor must be [3, H, W] or [1, H, W], got " + Arrays.toString(shape));
        }
        int channels = (int) shape[0];
        int height = Math.toIntExact(shape[1]);
        int width = Math.toIntExact(shape[2]);
        long[] levels;
        try (var scope = TensorScope.open()) {
            levels = toUint8(chw).toLongArray();
        }
        int plane = width * height;
        int[] rgb = new int[plane];
        for (int i = 0; i < plane; i++) {
            int r = (int) levels[i];
            int g = channels == 3 ? (int) levels[plane + i] : r;
            int b = channels == 3 ? (int) levels[2 * plane + i] : r;
            rgb[i] = (r << 16) | (g << 8) | b;
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, width, height, rgb, 0, width);
        return image;
    }

    /** A float32 {@code [C, H, W]} tensor from HWC pixels in [0, 1]. */
    public static Tensor fromPixels(float[] hwc, int height, int width, int channels) {
        try (var scope = TensorScope.open()) {
            return scope.keep(hwcToChw(Tensor.of(hwc, height, width, channels)).contiguous());
        }
    }

    /** HWC pixels in [0, 1] from a {@code [C, H, W]} tensor. */
    public static float[] toPixels(Tensor chw) {
        try (var scope = TensorScope.open()) {
            return chwToHwc(chw).toFloatArray();
        }
    }

    /** {@code [H, W, C] -> [C, H, W]} (and batched {@code [N, H, W, C] -> [N, C, H, W]}), a view. */
    public static Tensor hwcToChw(Tensor hwc) {
        return switch (hwc.dim()) {
            case 3 -> hwc.permute(2, 0, 1);
            case 4 -> hwc.permute(0, 3, 1, 2);
            default -> throw new IllegalArgumentException("expected HWC or NHWC, got shape " + Arrays.toString(hwc.shape()));
        };
    }

    /** {@code [C, H, W] -> [H, W, C]} (and batched), a view. */
    public static Tensor chwToHwc(Tensor chw) {
        return switch (chw.dim()) {
            case 3 -> chw.permute(1, 2, 0);
            case 4 -> chw.permute(0, 2, 3, 1);
            default -> throw new IllegalArgumentException("expected CHW or NCHW, got shape " + Arrays.toString(chw.shape()));
        };
    }

    /** Floats in [0, 1] to uint8 levels: clamped, scaled by 255, rounded half to even as PyTorch rounds. */
    public static Tensor toUint8(Tensor unit) {
        try (var scope = TensorScope.open()) {
            Tensor scaled = unit.to(DType.FLOAT32).clamp(0, 1).mul(255.0);
            return scope.keep(scaled.round().to(DType.UINT8));
        }
    }

    /** uint8 levels to float32 in [0, 1]. */
    public static Tensor fromUint8(Tensor levels) {
        try (var scope = TensorScope.open()) {
            return scope.keep(levels.to(DType.FLOAT32).div(255.0));
        }
    }
}
