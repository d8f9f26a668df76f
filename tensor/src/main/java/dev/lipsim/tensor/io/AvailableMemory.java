package dev.lipsim.tensor.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** How much memory this machine can still give ({@code MemAvailable} in {@code /proc/meminfo}), to refuse absurd sizes up front. */
public final class AvailableMemory {

    private AvailableMemory() {}

    /** The bytes available, or empty where the system does not say (not Linux, unreadable). */
    public static OptionalLong bytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }
}
