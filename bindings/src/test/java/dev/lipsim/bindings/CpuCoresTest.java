package dev.lipsim.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpuCoresTest {

    @Test
    void countsLinuxCpuLists() {
        assertEquals(1, CpuCores.count("0"));
        assertEquals(2, CpuCores.count("0-1"));
        assertEquals(2, CpuCores.count("0,64"));
        assertEquals(4, CpuCores.count("0-1,8-9"));
    }

    /** libtorch gets a thread per physical core unless OMP_NUM_THREADS says otherwise. */
    @Test
    void libtorchUsesEveryCore() {
        LibTorch.load();
        int cores = CpuCores.physical();
        assertTrue(cores >= 1 && cores <= Runtime.getRuntime().availableProcessors());
        if (System.getenv("OMP_NUM_THREADS") == null) {
            assertTrue(LibTorch.threads() >= cores, LibTorch.threads() + " threads for " + cores + " cores");
        }
    }
}
