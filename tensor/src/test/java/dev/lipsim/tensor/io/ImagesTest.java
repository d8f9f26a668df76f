package dev.lipsim.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.InScope;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(InScope.class)
class ImagesTest {


    @Test
    void rgbImageToChwAndBack() {
        BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, 0x80FF8000); // half-transparent orange: alpha is dropped
        image.setRGB(1, 0, 0xFF0000FF);
        Tensor chw = Images.toTensor(image);
        assertArrayEquals(new long[] {3, 1, 2}, chw.shape());
        assertArrayEquals(new float[] {1, 0, 128 / 255f, 0, 0, 1}, chw.toFloatArray(), 1e-7f);
        BufferedImage back = Images.toImage(chw);
        assertEquals(0xFF8000, back.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0x0000FF, back.getRGB(1, 0) & 0xFFFFFF);
    }

    @Test
    void grayscaleKeepsItsSampleValues() {
        BufferedImage gray = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 128, 255});
        assertArrayEquals(new float[] {0, 128 / 255f, 1, 0, 128 / 255f, 1, 0, 128 / 255f, 1},
                Images.toTensor(gray).toFloatArray(), 1e-7f);
        BufferedImage deep = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        deep.getRaster().setSamples(0, 0, 2, 1, 0, new int[] {65535, 32768});
        assertArrayEquals(new float[] {1, 32768 / 65535f}, Images.toTensor(deep).narrow(0, 0, 1).flatten().toFloatArray(),
                1e-7f);
        BufferedImage single = Images.toImage(Tensor.of(new float[] {0.5f}, 1, 1, 1));
        assertEquals(0x808080, single.getRGB(0, 0) & 0xFFFFFF, "0.5 rounds to 128 in every channel");
    }

    @Test
    void layoutsAndLevels() {
        float[] hwc = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}; // 1 x 2 pixels, 3 channels
        Tensor chw = Images.fromPixels(hwc, 1, 2, 3);
        assertArrayEquals(new long[] {3, 1, 2}, chw.shape());
        assertArrayEquals(new float[] {0.1f, 0.4f, 0.2f, 0.5f, 0.3f, 0.6f}, chw.toFloatArray());
        assertArrayEquals(hwc, Images.toPixels(chw));
        assertArrayEquals(new long[] {1, 3, 4, 5}, Images.hwcToChw(Tensor.zeros(1, 4, 5, 3)).shape());
        Tensor levels = Images.toUint8(Tensor.of(new float[] {-0.5f, 0, 0.5f, 1, 2}, 5));
        assertEquals(DType.UINT8, levels.dtype());
        assertArrayEquals(new long[] {0, 0, 128, 255, 255}, levels.toLongArray());
        assertArrayEquals(new float[] {0, 128 / 255f, 1}, Images.fromUint8(Tensor.of(new byte[] {0, (byte) 128, (byte) 255}, 3))
                .toFloatArray(), 1e-7f);
        assertThrows(IllegalArgumentException.class, () -> Images.toImage(Tensor.zeros(2, 2, 2)));
    }
}
