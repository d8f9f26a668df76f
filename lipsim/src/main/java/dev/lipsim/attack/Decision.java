package dev.lipsim.attack;

import dev.lipsim.tensor.Tensor;

/**
 * A two-way decision an attack tries to flip: logits {@code [n, 2]} of inputs {@code [n, ...]},
 * recorded by autograd; the decision is the larger logit.
 */
@FunctionalInterface
public interface Decision {

    Tensor logits(Tensor inputs);
}
