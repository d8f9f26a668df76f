package dev.lipsim.bindings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The physical cores this process may use: the processors the JVM sees, less SMT siblings (as
 * Linux lists them), which is what PyTorch gives its intra-op pool. libtorch 2.10 from Maven
 * counts a single core on some CPUs (AMD EPYC family 26), leaving the others idle.
 */
final class CpuCores {

    private static final Path SIBLINGS = Path.of("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list");

    private CpuCores() {}

    static int physical() {
        int logical = Runtime.getRuntime().availableProcessors();
        int perCore = 1;
        try {
            perCore = Math.max(1, count(Files.readString(SIBLINGS).strip()));
        } catch (IOException | RuntimeException unknown) {
            // not Linux, or no topology: count every processor as a core
        }
        return Math.max(1, logical / perCore);
    }

    /** How many CPUs a Linux CPU list names ({@code "0"}, {@code "0-1"}, {@code "0,64"}, {@code "0-1,8-9"}). */
    static int count(String list) {
        int total = 0;
        for (String part : list.split(",")) {
            int dash = part.indexOf('-');
            total += dash < 0 ? 1 : Integer.parseInt(part.substring(dash + 1).strip())
                    - Integer.parseInt(part.substring(0, dash).strip()) + 1;
        }
        return total;
    }
}
