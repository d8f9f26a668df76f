package dev.lipsim.bindings;

/** Rethrows what a {@code MethodHandle.invokeExact} threw without wrapping unchecked exceptions. */
final class Unchecked {

    private Unchecked() {}

    static RuntimeException propagate(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
