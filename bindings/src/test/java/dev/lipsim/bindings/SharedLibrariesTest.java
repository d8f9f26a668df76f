package dev.lipsim.bindings;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedLibrariesTest {

    @TempDir
    Path work;

    @Test
    void aLibraryLoadsAndANonLibraryIsRefusedWithTheLoadersReason() throws Exception {
        assertDoesNotThrow(() -> SharedLibraries.openGlobal(LibTorch.load().libraries().getFirst()));
        Path text = Files.writeString(work.resolve("libnot.so"), "not an ELF file, but long enough to be read as one");
        var error = assertThrows(NativeLoadException.class, () -> SharedLibraries.openGlobal(text));
        assertTrue(error.getMessage().startsWith("cannot load " + text + ": " + text), error.getMessage());
    }
}
