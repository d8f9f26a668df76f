package dev.lipsim.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.InScope;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(InScope.class)
class SafeTensorsTest {

    private static final Path FIXTURE = Path.of("src/test/resources/fixtures/python.safetensors");

    @TempDir
    Path work;


    @Test
    void readsAFileWrittenByPythonSafetensors() throws IOException {
        SafeTensors.Contents contents = SafeTensors.read(FIXTURE);
        assertEquals(Map.of("format", "pt", "note", "fixture"), contents.metadata());
        Map<String, Tensor> t = contents.tensors();
        assertEquals(DType.FLOAT32, t.get("weight").dtype());
        assertArrayEquals(new long[] {2, 3}, t.get("weight").shape());
        assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75, 1, 1.25}, t.get("weight").toDoubleArray());
        assertArrayEquals(new long[] {3, -1, 7}, t.get("steps").toLongArray());
        assertEquals(DType.BFLOAT16, t.get("half").dtype());
        assertArrayEquals(new double[] {1.5, -2}, t.get("half").toDoubleArray());
        assertArrayEquals(new long[] {1, 0}, t.get("mask").toLongArray());
        assertEquals(0, t.get("scale").dim());
        assertEquals(0.125, t.get("scale").item());
        assertArrayEquals(new long[] {0, 128, 255}, t.get("pixels").toLongArray());
    }

    /** A flipped byte in the data leaves the length right; the checksum written with the file finds it. */
    @Test
    void theChecksumFindsAFlippedByte() throws IOException {
        Path file = work.resolve("weights.safetensors");
        SafeTensors.write(file, Map.of("w", Tensor.of(new float[] {1, 2, 3, 4}, 4)), Map.of("step", "7"));
        SafeTensors.verify(file);
        SafeTensors.verify(FIXTURE); // written by Python, without a checksum: nothing to check
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x10;
        Files.write(file, bytes);
        assertEquals(Map.of("step", "7"), SafeTensors.read(file).metadata(), "the checksum is not user metadata");
        IOException damaged = assertThrows(IOException.class, () -> SafeTensors.verify(file));
        assertEquals(file + " is not a valid safetensors file: its data does not match the checksum written with it "
                + "(bytes changed after writing)", damaged.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(file, Map.of(), Map.of(SafeTensors.CHECKSUM_KEY, "0")));
    }

    @Test
    void everyDtypeRoundTripsWithMetadata() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (DType dtype : DType.values()) {
            tensors.put("t_" + dtype, Tensor.of(new long[] {1, 0, 1, 1, 0, 1}, 2, 3).to(dtype));
        }
        tensors.put("transposed", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).t());
        tensors.put("empty", Tensor.zeros(0, 4));
        tensors.put("scalar", Tensor.scalar(2.5));
        Path file = work.resolve("all.safetensors");
        SafeTensors.write(file, tensors, Map.of("config", "{\"depth\": 3}"));

        SafeTensors.Contents back = SafeTensors.read(file);
        assertEquals(Map.of("config", "{\"depth\": 3}"), back.metadata());
        assertEquals(tensors.keySet(), back.tensors().keySet());
        for (var entry : tensors.entrySet()) {
            Tensor read = back.tensors().get(entry.getKey());
            assertEquals(entry.getValue().dtype(), read.dtype(), entry.getKey());
            assertArrayEquals(entry.getValue().shape(), read.shape(), entry.getKey());
            assertArrayEquals(entry.getValue().toDoubleArray(), read.toDoubleArray(), entry.getKey());
        }
        long headerLength = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "the data starts 8-byte aligned");
    }

    @Test
    void viewsMapTheFileWithoutCopying() throws IOException {
        Path file = work.resolve("view.safetensors");
        SafeTensors.write(file, Map.of("w", Tensor.of(new float[] {1, 2, 3}, 3)), Map.of());
        try (SafeTensorsFile opened = SafeTensorsFile.open(file)) {
            Tensor view = opened.view("w");
            assertArrayEquals(new float[] {1, 2, 3}, view.toFloatArray());
            assertEquals(DType.FLOAT32, opened.entry("w").dtype());
            var missing = assertThrows(IllegalArgumentException.class, () -> opened.read("nope"));
            assertTrue(missing.getMessage().contains("nope"), missing.getMessage());
            view.mul_(2.0);
            assertArrayEquals(new float[] {2, 4, 6}, view.toFloatArray(), "writes to a view stay in memory");
            try (SafeTensorsFile again = SafeTensorsFile.open(file)) {
                assertArrayEquals(new float[] {1, 2, 3}, again.read("w").toFloatArray(), "and never reach the file");
            }
            opened.close();
            assertTrue(view.isClosed(), "closing the file closes its views");
        }

    }

    @Test
    void writingIsAtomicAndLeavesNoTemporaryFiles() throws IOException {
        Path file = work.resolve("model.safetensors");
        SafeTensors.write(file, Map.of("a", Tensor.ones(2)), Map.of("version", "1"));
        Tensor closed = Tensor.ones(2);
        closed.close();
        assertThrows(IllegalStateException.class, () -> SafeTensors.write(file, Map.of("a", closed), Map.of()));
        assertEquals(Map.of("version", "1"), SafeTensors.read(file).metadata(), "the old file is intact");
        try (Stream<Path> files = Files.list(work)) {
            assertEquals(List.of(file), files.toList());
        }
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(file, Map.of("__metadata__", Tensor.ones(1)), Map.of()));
    }

    @Test
    void corruptAndTruncatedFilesAreRefusedClearly() throws IOException {
        byte[] good = Files.readAllBytes(FIXTURE);
        assertRefused(java.util.Arrays.copyOf(good, good.length - 5), "truncated");
        assertRefused(new byte[] {1, 2, 3}, "fewer than the 8-byte header length");
        assertRefused(withHeaderLength(good, 1L << 40), "header length");
        byte[] badJson = good.clone();
        badJson[8] = '!';
        assertRefused(badJson, "not valid JSON");
        assertRefused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 8), "do not hold 2 elements");
        assertRefused(file("{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8), "unsupported dtype C64");
        assertRefused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2), "holes");
        assertRefused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0), "invalid shape");
        assertRefused(file("{\"__metadata__\":{\"n\":3}}", 0), "not a string");
        assertRefused(file("[1,2]", 0), "not a JSON object");
        assertRefused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387905],\"data_offsets\":[0,4]}}", 4),
                "too large to address");
    }

    private void assertRefused(byte[] bytes, String expected) throws IOException {
        Path file = Files.write(work.resolve("bad.safetensors"), bytes);
        IOException error = assertThrows(IOException.class, () -> SafeTensors.read(file));
        assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
        assertTrue(error.getMessage().contains(expected), error.getMessage());
    }

    private static byte[] file(String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(json.length).put(json);
        return buffer.array();
    }

    private static byte[] withHeaderLength(byte[] bytes, long length) {
        byte[] copy = bytes.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
        return copy;
    }
}
