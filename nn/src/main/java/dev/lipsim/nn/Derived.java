package dev.lipsim.nn;

import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;
import java.util.function.Supplier;

/**
 * A tensor computed from a module's parameters (rescaling factors, a normalised weight), kept
 * between forward passes and computed again only when one of its parameters changed: replaced
 * (a device or dtype move) or modified in place (an optimizer step, a loaded state dict, any
 * {@code copy_}), as libtorch's version counters tell. Made with {@link Module#derived}.
 *
 * <p>The cached value is only used where no gradient has to flow into it: when grad mode is off
 * or none of its parameters requires grad (an attack on the input of a frozen model). Otherwise
 * {@link #get} computes it afresh in the caller's scope, recorded by autograd, so training sees
 * exactly the uncached computation.
 */
public final class Derived implements AutoCloseable {

    private final Supplier<Tensor> computation;
    private final List<Parameter> sources;
    private Tensor value;
    private Tensor[] seen;
    private long[] versions;

    Derived(Supplier<Tensor> computation, List<Parameter> sources) {
        this.computation = computation;
        this.sources = List.copyOf(sources);
    }

    /**
     * The value. A cached one belongs to this object: use it, never close it. A fresh one (while
     * gradients are recorded) belongs to the caller's scope.
     */
    public synchronized Tensor get() {
        if (Autograd.isEnabled() && sources.stream().anyMatch(p -> p.value().requiresGrad())) {
            return computation.get();
        }
        if (!isCurrent()) {
            refresh();
        }
        return value;
    }

    private boolean isCurrent() {
        if (value == null) {
            return false;
        }
        for (int i = 0; i < seen.length; i++) {
            Tensor source = sources.get(i).value();
            if (source != seen[i] || source.version() != versions[i]) {
                return false;
            }
        }
        return true;
    }

    private void refresh() {
        close();
        Tensor[] nowSeen = new Tensor[sources.size()];
        long[] nowVersions = new long[sources.size()];
        for (int i = 0; i < nowSeen.length; i++) {
            nowSeen[i] = sources.get(i).value();
            nowVersions[i] = nowSeen[i].version();
        }
        try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            // detach: a tensor of our own even if the computation returned one of its sources.
            value = TensorScope.release(computation.get().detach());
        }
        seen = nowSeen;
        versions = nowVersions;
    }

    /** Frees the cached value (the next {@link #get} computes it again). */
    @Override
    public synchronized void close() {
        if (value != null) {
            value.close();
            value = null;
        }
    }
}
