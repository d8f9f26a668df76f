package dev.lipsim.distributed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Where a native library of a collective engine (MPI, NCCL) is: the user's choice, else the first candidate present. */
final class LibraryPaths {

    private LibraryPaths() {}

    /**
     * The file named by {@code -Dlipsim.KEY.library} or {@code $LIPSIM_KEY_LIBRARY} if either is
     * set (it must exist), else the first of {@code candidates} that does, else an error saying
     * where it looked for {@code engine} and {@code advice}.
     */
    static Path find(String key, String engine, List<Path> candidates, String advice) {
        String property = "lipsim." + key + ".library";
        String variable = "LIPSIM_" + key.toUpperCase(java.util.Locale.ROOT) + "_LIBRARY";
        String chosen = System.getProperty(property);
        String origin = "-D" + property + "=";
        if (chosen == null) {
            chosen = System.getenv(variable);
            origin = variable + "=";
        }
        if (chosen != null) {
            Path given = Path.of(chosen);
            if (!Files.isRegularFile(given)) {
                throw new IllegalStateException(origin + given + ": no such file");
            }
            return given;
        }
        Optional<Path> present = candidates.stream().filter(Files::isRegularFile).findFirst();
        return present.orElseThrow(() -> new IllegalStateException("no " + engine + " library found (looked at " + candidates
                + "); " + advice + " or set " + variable));
    }
}
