package dev.lipsim.bindings;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Where libtorch's message for a failed call comes from. libtorch 2.13 and newer keep the last
 * failure's message per thread ({@code torch_exception_get_what_without_backtrace}), which is
 * exact; older ones only print it to stderr, where {@link StderrCapture} recovers it.
 */
final class ErrorMessages {

    private static final String LAST_ERROR = "torch_exception_get_what_without_backtrace";
    private static volatile MethodHandle lastError;

    private ErrorMessages() {}

    /** Chooses the source for the loaded libtorch; called once, after loading. */
    static void init(SymbolLookup symbols) {
        var address = symbols.find(LAST_ERROR);
        if (address.isPresent()) {
            lastError = Linker.nativeLinker().downcallHandle(address.get(), FunctionDescriptor.of(
                    ValueLayout.ADDRESS.withTargetLayout(java.lang.foreign.MemoryLayout.sequenceLayout(
                            Long.MAX_VALUE, ValueLayout.JAVA_BYTE))));
        } else {
            StderrCapture.install();
        }
    }

    /** Whether messages come from libtorch's per-thread record rather than from stderr. */
    static boolean exact() {
        return lastError != null;
    }

    /** libtorch's message for the failure the calling thread just had, or null if unknown. */
    static String forLastFailure() {
        MethodHandle handle = lastError;
        if (handle == null) {
            return StderrCapture.claimMessage();
        }
        try {
            MemorySegment message = (MemorySegment) handle.invokeExact();
            return message.equals(MemorySegment.NULL) ? null : message.getString(0).strip();
        } catch (Throwable t) {
            return null;
        }
    }
}
