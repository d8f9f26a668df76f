package dev.lipsim.checkpoint;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.tensor.TensorScope;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints crafted to crash, abort or hang a reader (make_hostile_fixtures.py) get one clear error instead. */
class HostileCheckpointTest {

    private static final Path HOSTILE = Path.of("src/test/resources/fixtures/hostile");

    private static String refusal(String name) {
        return assertThrows(IOException.class, () -> {
            try (var scope = TensorScope.open()) {
                PthFile.read(HOSTILE.resolve(name));
            }
        }).getMessage();
    }

    @Test
    void tensorsThatReachOutsideTheirStorageAreRefusedBeforeLibtorchSeesThem() {
        assertTrue(refusal("offset.pth").contains("at offset 4611686018427387904 reaches element 4611686018427387907 of a "
                + "storage of 4 elements"));
        assertTrue(refusal("stride.pth").contains("stride [2305843009213693952]"));
        assertTrue(refusal("size.pth").contains("a tensor of size [1099511627776]"));
        String onePast = refusal("one-past.pth");
        assertTrue(onePast.startsWith(HOSTILE.resolve("one-past.pth") + ": ") && onePast.contains("reaches element 4 of a storage"
                + " of 4 elements"), onePast);
    }

    @Test
    void aPickleThatSharesOneListTenTimesPerLevelIsRefusedAtOnce() {
        // 40 levels of [x] * 10: 1.3 KB that expand to 10^40 objects for anyone who walks them
        IOException refused = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(IOException.class,
                () -> PthFile.read(HOSTILE.resolve("laughs.pth"))));
        assertTrue(refused.getMessage().contains("more than 2^63 objects once its shared references are expanded"),
                refused.getMessage());
    }

    @TempDir
    Path work;

    /** {@code pickle} as the only member of a PyTorch-style archive. */
    private Path archive(String name, byte[] pickle) throws IOException {
        Path file = work.resolve(name);
        try (var zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(pickle);
            zip.closeEntry();
        }
        return file;
    }

    @Test
    void deeplyNestedPicklesAreRefusedWithoutAStackOverflow() throws IOException {
        // 100,000 nested lists: EMPTY_LIST x N, then APPEND x (N - 1), each list into the one below it
        ByteArrayOutputStream lists = new ByteArrayOutputStream();
        lists.write(new byte[] {(byte) 0x80, 2});
        lists.write("]".repeat(100_000).getBytes(StandardCharsets.US_ASCII));
        lists.write("a".repeat(99_999).getBytes(StandardCharsets.US_ASCII));
        lists.write('.');
        // 200,000 nested dicts: EMPTY_DICT, then (key 0, EMPTY_DICT) x N, then SETITEM x N
        ByteArrayOutputStream dicts = new ByteArrayOutputStream();
        dicts.write(new byte[] {(byte) 0x80, 2, '}'});
        for (int i = 0; i < 200_000; i++) {
            dicts.write(new byte[] {'K', 0, '}'});
        }
        dicts.write("s".repeat(200_000).getBytes(StandardCharsets.US_ASCII));
        dicts.write('.');
        for (Path file : List.of(archive("lists.pth", lists.toByteArray()), archive("dicts.pth", dicts.toByteArray()))) {
            IOException refused = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(IOException.class,
                    () -> PthFile.read(file)));
            assertTrue(refused.getMessage().startsWith(file + ": the pickle nests deeper than 1000 levels"),
                    refused.getMessage());
        }
    }

    @Test
    void aPickleThatInflatesBeyondTheSizeItDeclaresIsRefused() throws IOException {
        byte[] pickle = new byte[] {(byte) 0x80, 2, '}', 'q', 0, '.'}; // {} with a memo entry
        Path file = archive("lying.pth", pickle);
        byte[] bytes = Files.readAllBytes(file);
        // the central directory says 2 bytes; the member inflates to 6
        for (int at = bytes.length - 22; at >= 0; at--) {
            if (ByteBuffer.wrap(bytes, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() == 0x02014b50) {
                ByteBuffer.wrap(bytes, at + 24, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(2);
                break;
            }
        }
        Files.write(file, bytes);
        IOException refused = assertThrows(IOException.class, () -> PthFile.read(file));
        assertTrue(refused.getMessage().contains("archive/data.pkl inflates beyond the 2 bytes it declares"),
                refused.getMessage());
    }
}
