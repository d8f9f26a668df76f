package dev.lipsim.attack;

import dev.lipsim.tensor.Tensor;
import java.util.List;

/**
 * Looks for inputs within {@code eps} (in the attack's norm) of the given ones, pixels kept in
 * [0, 1], on which the decision differs from the labels. Returns the perturbed inputs (a new
 * tensor the caller owns); where nothing was found they are the attack's last attempt.
 */
public interface Attack {

    /** The name the CLI and reports use. */
    String name();

    Norm norm();

    Tensor perturb(Decision decision, Tensor inputs, long[] labels, double eps);

    /**
     * {@link #perturb} at each of {@code eps}, in order. An attack whose search does not depend on
     * the radius (Carlini-Wagner) searches once.
     */
    default List<Tensor> perturbEach(Decision decision, Tensor inputs, long[] labels, List<Double> eps) {
        return eps.stream().map(e -> perturb(decision, inputs, labels, e)).toList();
    }
}
