package dev.lipsim.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread native scratch memory for out-parameters. A libtorch call never calls back into
 * Java, so a thread's scratch is never used by two calls at once; reusing it keeps allocation
 * off the per-op path.
 */
final class Scratch {

    private static final long BYTES = 256;
    private static final ThreadLocal<MemorySegment> OUT = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(BYTES, 16));

    private Scratch() {}

    /** Out-parameter space, for one C call at a time. */
    static MemorySegment out() {
        return OUT.get();
    }
}
