package dev.lipsim.tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Frees tensors deterministically. Every tensor created on a thread while a scope is open there
 * belongs to the innermost one, and is freed when that scope closes, unless {@link #keep kept}:
 *
 * <pre>{@code
 * Tensor loss;
 * try (var scope = TensorScope.open()) {
 *     Tensor hidden = x.matmul(w).relu();      // freed at the end of the block
 *     loss = scope.keep(hidden.sum());         // survives: moves to the enclosing scope
 * }
 * }</pre>
 *
 * <p>Scopes nest per thread and must be closed on the thread that opened them, innermost first
 * (try-with-resources does this). A tensor kept out of the outermost scope, or created with no
 * scope open, belongs to the caller: close it, or leave it to the garbage collector's
 * {@link java.lang.ref.Cleaner}, which frees it eventually as a safety net.
 */
public final class TensorScope implements AutoCloseable {

    private static final ThreadLocal<TensorScope> CURRENT = new ThreadLocal<>();

    private final TensorScope parent;
    private final Thread owner = Thread.currentThread();
    private final List<Tensor> tensors = new ArrayList<>();
    private boolean closed;

    private TensorScope(TensorScope parent) {
        this.parent = parent;
    }

    /** Opens a scope nested in the current one (if any). */
    public static TensorScope open() {
        TensorScope scope = new TensorScope(CURRENT.get());
        CURRENT.set(scope);
        return scope;
    }

    /** Gives a new tensor to the current scope, or to the caller (with a cleaner) if none is open. */
    static void adopt(Tensor tensor) {
        TensorScope scope = CURRENT.get();
        if (scope != null) {
            scope.add(tensor);
        } else {
            tensor.releaseWithCleaner();
        }
    }

    private void add(Tensor tensor) {
        tensor.scope = this;
        tensors.add(tensor);
    }

    /**
     * Lets {@code tensor} outlive this scope: it moves to the enclosing scope, or, at the
     * outermost scope, to the caller. Returns it, for chaining.
     */
    public <T extends Tensor> T keep(T tensor) {
        requireOpenOnOwner();
        if (tensor.scope != this) {
            throw new IllegalArgumentException("the tensor does not belong to this scope");
        }
        if (parent != null) {
            parent.add(tensor);
        } else {
            tensor.scope = null;
            tensor.releaseWithCleaner();
        }
        return tensor;
    }

    /**
     * Takes {@code tensor} out of whatever scope would free it: the caller owns it from now on
     * (close it, or leave it to the cleaner). For tensors held by long-lived objects, such as a
     * model's parameters or an optimizer's state. Returns it, for chaining.
     */
    public static <T extends Tensor> T release(T tensor) {
        TensorScope owner = tensor.scope;
        if (owner != null) {
            owner.requireOpenOnOwner();
            tensor.scope = null;
        }
        tensor.releaseWithCleaner();
        return tensor;
    }

    /** Whether {@code tensor} belongs to this scope (it would be freed when the scope closes). */
    public boolean owns(Tensor tensor) {
        return tensor.scope == this;
    }

    /** Keeps every tensor in {@code kept}. */
    public void keepAll(Iterable<? extends Tensor> kept) {
        for (Tensor tensor : kept) {
            keep(tensor);
        }
    }

    /** Frees every tensor of this scope that was not kept. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        requireOpenOnOwner();
        if (CURRENT.get() != this) {
            throw new IllegalStateException("an inner TensorScope is still open: close scopes innermost first");
        }
        closed = true;
        CURRENT.set(parent);
        RuntimeException failure = null;
        for (Tensor tensor : tensors) {
            if (tensor.scope == this) {
                try {
                    tensor.close();
                } catch (RuntimeException e) {
                    failure = failure == null ? e : failure;
                }
            }
        }
        tensors.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /** Number of tensors this scope will free if closed now. */
    public int size() {
        int count = 0;
        for (Tensor tensor : tensors) {
            if (tensor.scope == this && !tensor.isClosed()) {
                count++;
            }
        }
        return count;
    }

    private void requireOpenOnOwner() {
        if (closed) {
            throw new IllegalStateException("this TensorScope is closed");
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a TensorScope must be used on the thread that opened it (" + owner.getName() + ")");
        }
    }
}
