package dev.lipsim.tensor.io;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.stream.Stream;

/**
 * Every file this project writes for a user goes through here: into a temporary file beside the
 * target, renamed over it only when complete, so a target is never half-written. The temporary
 * file gets the permissions any new file of the user gets (the umask applies), is removed if
 * writing fails, and leftovers of a write that was killed are removed by the next write to the
 * same target.
 */
public final class AtomicFiles {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Writes the temporary file it is given. */
    @FunctionalInterface
    public interface Writer {
        void write(Path temporary) throws IOException;
    }

    private AtomicFiles() {}

    public static void write(Path target, Writer writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        if (!Files.isDirectory(folder)) {
            throw new IOException("cannot write " + target + ": the folder " + folder + " does not exist");
        }
        if (Files.isDirectory(absolute)) {
            throw new IOException("cannot write " + target + ": it is a folder");
        }
        String prefix = "." + absolute.getFileName() + ".";
        try (Stream<Path> siblings = Files.list(folder)) {
            for (Path stale : siblings.filter(p -> isTemporaryOf(p, prefix)).toList()) {
                Files.deleteIfExists(stale);
            }
        }
        Path temporary = folder.resolve(prefix + Long.toHexString(RANDOM.nextLong()) + ".partial");
        try {
            Files.createFile(temporary);
            writer.write(temporary);
            Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // The JDK's message ("No space left on device", "Read-only file system") names no file.
            String kept = Files.exists(absolute) ? "the previous " + absolute.getFileName() + " is kept as it was"
                    : "nothing was left in its place";
            throw new IOException("cannot write " + target + " (" + reason(e) + "); " + kept, e);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static String reason(IOException e) {
        String message = e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason()
                : e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }

    private static boolean isTemporaryOf(Path file, String prefix) {
        String name = file.getFileName().toString();
        return name.startsWith(prefix) && name.endsWith(".partial");
    }
}
