package dev.lipsim.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path work;

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(work)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesWithTheUsersPermissionsAndCleansUpAfterFailuresAndKills() throws IOException {
        Path target = work.resolve("out.json");
        Path plain = Files.createFile(work.resolve("plain")); // what the user's umask gives a new file
        AtomicFiles.write(target, temporary -> Files.writeString(temporary, "one"));
        assertEquals("one", Files.readString(target));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(target));

        Files.writeString(work.resolve(".out.json.1234abcd.partial"), "left by a killed run");
        var failure = assertThrows(IOException.class, () -> AtomicFiles.write(target, temporary -> {
            Files.writeString(temporary, "half");
            throw new FileSystemException(temporary.toString(), null, "No space left on device");
        }));
        assertEquals("cannot write " + target + " (No space left on device); the previous out.json is kept as it was",
                failure.getMessage(), "the file and what was kept are named, as the JDK's message does not");
        assertEquals("one", Files.readString(target), "the old content survives a failed write");
        var fresh = assertThrows(IOException.class, () -> AtomicFiles.write(work.resolve("new.bin"), temporary -> {
            throw new IOException("disk full");
        }));
        assertTrue(fresh.getMessage().endsWith("(disk full); nothing was left in its place"), fresh.getMessage());
        assertEquals(List.of("out.json", "plain"), names(), "no temporary file is left, not even the stale one");
    }

    @Test
    void aMissingFolderOrAFolderAsTargetIsNamed() {
        var missing = assertThrows(IOException.class, () -> AtomicFiles.write(work.resolve("absent/x.bin"), t -> {}));
        assertTrue(missing.getMessage().contains("the folder " + work.resolve("absent") + " does not exist"), missing.getMessage());
        var folder = assertThrows(IOException.class, () -> AtomicFiles.write(work, t -> {}));
        assertTrue(folder.getMessage().endsWith("it is a folder"), folder.getMessage());
    }
}
