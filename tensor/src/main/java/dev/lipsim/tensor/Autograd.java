package dev.lipsim.tensor;

import dev.lipsim.bindings.GradMode;

/**
 * Scoped control of gradient recording, which is per thread (libtorch's own thread-local
 * grad mode):
 *
 * <pre>{@code
 * try (var noGrad = Autograd.noGrad()) {
 *     weights.sub_(gradient.mul(lr));    // not recorded
 * }                                      // the previous mode is back
 * }</pre>
 *
 * <p>The mode belongs to the OS thread; a virtual thread that blocks inside such a block may
 * resume on another carrier thread, so keep these blocks free of blocking calls there.
 */
public final class Autograd {

    private Autograd() {}

    /** Stops recording until the returned guard is closed. */
    public static Guard noGrad() {
        return set(false);
    }

    /** Records (even inside a {@link #noGrad()} block) until the returned guard is closed. */
    public static Guard enableGrad() {
        return set(true);
    }

    public static boolean isEnabled() {
        return GradMode.isEnabled();
    }

    private static Guard set(boolean enabled) {
        boolean previous = GradMode.isEnabled();
        GradMode.setEnabled(enabled);
        return new Guard(previous);
    }

    /** Restores the grad mode that was in force when it was made. */
    public static final class Guard implements AutoCloseable {

        private final boolean previous;
        private final Thread owner = Thread.currentThread();
        private boolean closed;

        private Guard(boolean previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            if (Thread.currentThread() != owner) {
                throw new IllegalStateException("a grad-mode guard must be closed on the thread that made it");
            }
            closed = true;
            GradMode.setEnabled(previous);
        }
    }
}
