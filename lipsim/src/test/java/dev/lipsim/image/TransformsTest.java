package dev.lipsim.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transforms and decoding against torchvision and PIL (fixtures made by make_image_fixtures.py). */
class TransformsTest {

    private static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    private static final double LEVEL = 1 / 255.0;

    @TempDir
    Path work;

    private TensorScope scope;
    private Map<String, Tensor> expected;
    private Tensor image;

    @BeforeEach
    void load() throws IOException {
        scope = TensorScope.open();
        expected = SafeTensors.read(FIXTURES.resolve("transforms.safetensors")).tensors();
        image = ImageDecoder.read(FIXTURES.resolve("images/gradient.png"));
    }

    @AfterEach
    void close() {
        scope.close();
    }

    /** Largest and mean absolute difference, in 8-bit levels. */
    private static double[] levelsApart(Tensor a, Tensor b) {
        assertArrayEquals(a.shape(), b.shape());
        Tensor difference = a.sub(b).abs().div(LEVEL);
        return new double[] {difference.max().item(), difference.mean().item()};
    }

    @Test
    void decodedPngMatchesTorchvision() {
        assertEquals(0, levelsApart(expected.get("image"), image)[0], 1e-3);
    }

    @Test
    void bicubicResizeMatchesPilWithinALevel() {
        for (String key : new String[] {"resize_24x32", "resize_64x80"}) {
            Tensor reference = expected.get(key);
            Tensor resized = Transforms.resize(image, (int) reference.size(1), (int) reference.size(2));
            double[] apart = levelsApart(reference, resized);
            assertTrue(apart[0] <= 1, key + ": at most 1 level apart, got " + apart[0]);
            assertTrue(apart[1] <= 0.05, key + ": on average under 0.05 levels, got " + apart[1]);
        }
    }

    @Test
    void centerCropMatchesTorchvisionIncludingPadding() {
        assertEquals(0, levelsApart(expected.get("crop_21"), Transforms.centerCrop(image, 21))[0], 1e-3);
        assertEquals(0, levelsApart(expected.get("crop_48"), Transforms.centerCrop(image, 48))[0], 1e-3,
                "the 37-pixel-high image is padded with zeros");
    }

    @Test
    void colourAdjustmentsMatchTorchvision() {
        assertEquals(0, levelsApart(expected.get("brightness_1.3"), Transforms.adjustBrightness(image, 1.3))[0], 1e-3);
        assertEquals(0, levelsApart(expected.get("contrast_0.7"), Transforms.adjustContrast(image, 0.7))[0], 1e-3);
        assertEquals(0, levelsApart(expected.get("saturation_1.2"), Transforms.adjustSaturation(image, 1.2))[0], 1e-3);
        assertEquals(0, levelsApart(expected.get("hue_0.1"), Transforms.adjustHue(image, 0.1))[0], 1e-3);
        assertEquals(0, levelsApart(expected.get("hue_-0.35"), Transforms.adjustHue(image, -0.35))[0], 1e-3);
        assertEquals(0, levelsApart(expected.get("grayscale"), Transforms.grayscale(image))[0], 1e-3);
        assertThrows(IllegalArgumentException.class, () -> Transforms.adjustHue(image, 0.6));
    }

    @Test
    void randomTransformsAreSeeded() {
        Tensor a = Transforms.colorJitter(image, 0.4, 0.4, 0.2, 0.1, new Generator(5));
        Tensor b = Transforms.colorJitter(image, 0.4, 0.4, 0.2, 0.1, new Generator(5));
        assertArrayEquals(a.toFloatArray(), b.toFloatArray());
        assertNotEquals(0, levelsApart(a, image)[0]);
        assertArrayEquals(image.toFloatArray(),
                Transforms.randomColorJitter(image, 0, 0.4, 0.4, 0.2, 0.1, new Generator(5)).toFloatArray(), "p = 0: unchanged");
        assertArrayEquals(a.toFloatArray(),
                Transforms.randomColorJitter(image, 1, 0.4, 0.4, 0.2, 0.1, new Generator(5)).toFloatArray(), "p = 1: always");
        Tensor flipped = Transforms.randomHorizontalFlip(image, 1, new Generator(1));
        assertArrayEquals(image.flip(2).toFloatArray(), flipped.toFloatArray());
        assertArrayEquals(image.toFloatArray(), Transforms.randomHorizontalFlip(image, 0, new Generator(1)).toFloatArray());
        Tensor gray = Transforms.randomGrayscale(image, 1, new Generator(1));
        assertArrayEquals(gray.select(0, 0).toFloatArray(), gray.select(0, 2).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> Transforms.resize(Tensor.zeros(1, 4, 4), 2, 2));
    }

    @Test
    void decoderConvertsEveryKindOfImageToRgb() throws IOException {
        Map<String, Tensor> decoded = SafeTensors.read(FIXTURES.resolve("decoded.safetensors")).tensors();
        for (String kind : new String[] {"gray", "palette", "rgba"}) {
            assertEquals(0, levelsApart(decoded.get(kind), ImageDecoder.read(FIXTURES.resolve("images/" + kind + ".png")))[0],
                    1e-3, kind);
        }
        // CMYK JPEG: decoders differ in colour conversion and IDCT; the TwelveMonkeys plugin must read it closely.
        double[] cmyk = levelsApart(decoded.get("cmyk"), ImageDecoder.read(FIXTURES.resolve("images/cmyk.jpg")));
        assertTrue(cmyk[1] < 4, "CMYK JPEG within a few levels of PIL on average, got " + cmyk[1]);
        double[] progressive = levelsApart(decoded.get("progressive"), ImageDecoder.read(FIXTURES.resolve("images/progressive.jpg")));
        assertTrue(progressive[1] < 1, "progressive JPEG within a level of PIL on average, got " + progressive[1]);
        Path text = Files.writeString(work.resolve("notes.png"), "not an image");
        IOException error = assertThrows(IOException.class, () -> ImageDecoder.read(text));
        assertTrue(error.getMessage().contains("notes.png"), error.getMessage());
        assertThrows(IOException.class, () -> ImageDecoder.read(work.resolve("missing.jpg")));
    }

    @Test
    void anImageDeclaringTooManyPixelsIsRefusedBeforeDecoding() throws IOException {
        // a PNG header for 100,000 x 100,000 RGB pixels (30 GB decoded) and nothing else: 57 bytes
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(17).put("IHDR".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .putInt(100_000).putInt(100_000).put(new byte[] {8, 2, 0, 0, 0});
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(header.array());
        png.write(java.nio.ByteBuffer.allocate(4).putInt(13).array());
        png.write(header.array());
        png.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        Path bomb = Files.write(work.resolve("bomb.png"), png.toByteArray());
        IOException error = assertThrows(IOException.class, () -> ImageDecoder.read(bomb));
        assertTrue(error.getMessage().contains("bomb.png: the image declares 100000 x 100000 pixels, more than the limit of"
                + " 89478485"), error.getMessage());
    }
}
