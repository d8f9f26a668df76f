package dev.lipsim.attack;

import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;

/**
 * A two-way decision an attack tries to flip: logits {@code [n, 2]} of inputs {@code [n, ...]},
 * recorded by autograd; the decision is the larger logit.
 */
@FunctionalInterface
public interface Decision {

    Tensor logits(Tensor inputs);

    /**
     * The label's logit minus the other's for each of {@code inputs} ({@code onehot} rows mark the
     * labels): below 0 the decision flipped.
     */
    default Tensor margin(Tensor inputs, Tensor onehot) {
        try (var scope = TensorScope.open()) {
            return scope.keep(logits(inputs).mul(onehot.mul(2.0).sub(1.0)).sum(1, false));
        }
    }
}
