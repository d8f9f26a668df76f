package dev.lipsim.image;

import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.io.Images;
import dev.lipsim.tensor.io.InputFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Reads image files into RGB tensors. ImageIO does the decoding, with the TwelveMonkeys JPEG
 * plugin on the class path for the JPEGs real datasets contain (CMYK and YCCK, progressive,
 * unusual ICC profiles); grayscale, palette, alpha and 16-bit images are converted to 8-bit-range
 * RGB in [0, 1] as PIL's {@code convert("RGB")} would.
 */
public final class ImageDecoder {

    static {
        ImageIO.scanForPlugins();
        ImageIO.setUseCache(false);
    }

    private ImageDecoder() {}

    /** The decoded image, or an {@link IOException} naming the file and the problem. */
    public static BufferedImage decode(Path file) throws IOException {
        InputFiles.requireRegular(file, "image");
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": cannot decode the image (" + e.getMessage() + ")", e);
        }
        if (image == null) {
            throw new IOException(file + ": not an image in a supported format (JPEG, PNG, BMP, GIF, WBMP)");
        }
        return image;
    }

    /** A float32 {@code [3, H, W]} tensor in [0, 1] of the image in {@code file}. */
    public static Tensor read(Path file) throws IOException {
        return Images.toTensor(decode(file));
    }
}
