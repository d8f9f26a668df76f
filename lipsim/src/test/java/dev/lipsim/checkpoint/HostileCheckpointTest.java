package dev.lipsim.checkpoint;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
    void aPickleThatSharesOneListTenTimesPerLevelIsReadOnce() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (var scope = TensorScope.open()) {
                assertTrue(PthFile.read(HOSTILE.resolve("laughs.pth")) instanceof Map<?, ?>);
            }
        });
    }
}
