package dev.lipsim.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread native scratch memory: one region for out-parameters, one for dispatcher argument
 * stacks. A libtorch call never calls back into Java, so a region is never used by two calls at
 * once; reusing it keeps allocation off the per-op path.
 */
final class Scratch {

    static final int STACK_SLOTS = 64;
    private static final long OUT_BYTES = 256;
    private static final ThreadLocal<Scratch> CURRENT = ThreadLocal.withInitial(Scratch::new);

    final MemorySegment out;
    final MemorySegment stack;

    private Scratch() {
        MemorySegment all = Arena.ofAuto().allocate(OUT_BYTES + STACK_SLOTS * 8L, 16);
        out = all.asSlice(0, OUT_BYTES);
        stack = all.asSlice(OUT_BYTES, STACK_SLOTS * 8L);
    }

    /** Out-parameter space, for one C call at a time. */
    static MemorySegment out() {
        return CURRENT.get().out;
    }

    /** The dispatcher stack, for one op call at a time. */
    static MemorySegment stack() {
        return CURRENT.get().stack;
    }
}
