package dev.lipsim.tensor.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Checks that a path a user gave names a regular file, and says in words what it is otherwise. */
public final class InputFiles {

    private InputFiles() {}

    /** Returns {@code file} if it is a regular file (following links); otherwise throws naming it and what it is. */
    public static Path requireRegular(Path file, String what) throws IOException {
        if (Files.isRegularFile(file)) {
            return file;
        }
        String problem;
        if (Files.isDirectory(file)) {
            problem = "is a folder, not a file";
        } else if (Files.exists(file)) {
            problem = "is not a regular file (a device, pipe or socket)";
        } else if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            problem = "is a symbolic link that leads nowhere (or in a loop)";
        } else {
            problem = "does not exist";
        }
        throw new IOException(what + " " + file + " " + problem);
    }
}
