package dev.lipsim.image;

import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.io.Images;
import dev.lipsim.tensor.io.InputFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads image files into RGB tensors. ImageIO does the decoding, with the TwelveMonkeys JPEG
 * plugin on the class path for the JPEGs real datasets contain (CMYK and YCCK, progressive,
 * unusual ICC profiles); grayscale, palette, alpha and 16-bit images are converted to 8-bit-range
 * RGB in [0, 1] as PIL's {@code convert("RGB")} would.
 */
public final class ImageDecoder {

    /**
     * The most pixels an image may have before it is decoded (PIL's decompression-bomb threshold:
     * a 1 KB PNG can declare 100,000 x 100,000 pixels); {@code -Dlipsim.maxImagePixels=N} raises it.
     */
    public static final long MAX_PIXELS = Long.getLong("lipsim.maxImagePixels", 89_478_485L);

    static {
        ImageIO.scanForPlugins();
        ImageIO.setUseCache(false);
    }

    private ImageDecoder() {}

    /** The decoded image, or an {@link IOException} naming the file and the problem. */
    public static BufferedImage decode(Path file) throws IOException {
        InputFiles.requireRegular(file, "image");
        BufferedImage image;
        try (ImageInputStream input = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = input == null ? Collections.emptyIterator() : ImageIO.getImageReaders(input);
            if (!readers.hasNext()) {
                throw new IOException(file + ": not an image in a supported format (JPEG, PNG, BMP, GIF, WBMP)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(input, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new IOException(file + ": the image declares " + reader.getWidth(0) + " x " + reader.getHeight(0)
                            + " pixels, more than the limit of " + MAX_PIXELS + " (-Dlipsim.maxImagePixels=N raises it)");
                }
                image = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
                throw e;
            }
            throw new IOException(file + ": cannot decode the image (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            throw new IOException(file + ": cannot decode the image (" + e.getMessage() + ")", e);
        }
        return image;
    }

    /** A float32 {@code [3, H, W]} tensor in [0, 1] of the image in {@code file}. */
    public static Tensor read(Path file) throws IOException {
        return Images.toTensor(decode(file));
    }
}
