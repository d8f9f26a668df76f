package dev.lipsim.attack;

import dev.lipsim.nn.Balls;
import dev.lipsim.nn.Parameter;
import dev.lipsim.nn.optim.Adam;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Carlini-Wagner l2 (2017): the smallest perturbation that flips the decision, found by Adam on
 * {@code w} with {@code x + delta = (tanh(w) + 1) / 2} (pixels stay in [0, 1] by construction),
 * minimising {@code ||delta||^2 + c max(z_label - z_other, 0)}, with a per-sample binary
 * search over c. For a radius eps, the smallest flip found is returned if it is within eps;
 * otherwise the last attempt, projected into the ball.
 */
public final class CarliniWagner implements Attack {

    private final int steps;
    private final int searches;
    private final double learningRate;
    private final double initialConstant;

    public CarliniWagner(int steps, int searches, double learningRate, double initialConstant) {
        if (steps < 1 || searches < 1 || !(learningRate > 0) || !(initialConstant > 0)) {
            throw new IllegalArgumentException("need steps and searches >= 1 and a positive learning rate and constant");
        }
        this.steps = steps;
        this.searches = searches;
        this.learningRate = learningRate;
        this.initialConstant = initialConstant;
    }

    @Override
    public String name() {
        return "cw-l2";
    }

    @Override
    public Norm norm() {
        return Norm.L2;
    }

    @Override
    public Tensor perturb(Decision decision, Tensor inputs, long[] labels, double eps) {
        return perturbEach(decision, inputs, labels, List.of(eps)).getFirst();
    }

    /** One search, whatever the radii: each radius only chooses between its smallest flip and its last attempt. */
    @Override
    public List<Tensor> perturbEach(Decision decision, Tensor inputs, long[] labels, List<Double> eps) {
        if (eps.stream().allMatch(e -> e == 0)) {
            return eps.stream().map(e -> inputs.clone()).toList();
        }
        try (var scope = TensorScope.open(); Search search = search(decision, inputs, labels)) {
            List<Tensor> perturbed = new ArrayList<>();
            for (double e : eps) {
                perturbed.add(scope.keep(search.within(inputs, e)));
            }
            return perturbed;
        }
    }

    /**
     * What the binary search found: for each input the smallest flip ({@code best}, the input itself
     * where none was found) and its l2 size, and the last attempt.
     */
    private record Search(Tensor best, double[] bestNorm, Tensor last) implements AutoCloseable {

        /** The smallest flip where it is within {@code eps}, else the last attempt projected into the ball. */
        Tensor within(Tensor inputs, double eps) {
            if (eps == 0) {
                return inputs.clone();
            }
            boolean[] found = new boolean[bestNorm.length];
            for (int i = 0; i < found.length; i++) {
                found[i] = bestNorm[i] <= eps;
            }
            try (var scope = TensorScope.open()) {
                Tensor fallback = inputs.add(Balls.keepInImage(inputs, Balls.projectL2(last.sub(inputs), eps)));
                return scope.keep(Norm.choose(Tensor.of(found, found.length), best, fallback));
            }
        }

        @Override
        public void close() {
            best.close();
            last.close();
        }
    }

    private Search search(Decision decision, Tensor inputs, long[] labels) {
        int n = labels.length;
        double[] constant = new double[n];
        double[] lower = new double[n];
        double[] upper = new double[n];
        double[] bestNorm = new double[n];
        Arrays.fill(constant, initialConstant);
        Arrays.fill(upper, Double.POSITIVE_INFINITY);
        Arrays.fill(bestNorm, Double.POSITIVE_INFINITY);
        try (var scope = TensorScope.open()) {
            Tensor onehot = Pgd.onehot(labels);
            // the smallest flip so far and the last attempt, owned here across the rounds' scopes
            Tensor best = TensorScope.release(inputs.clone());
            Tensor last = null;
            Tensor start = inputs.mul(2).sub(1).clamp(-1 + 1e-6, 1 - 1e-6);
            Tensor initial = start.add(1).div(start.neg().add(1)).log().mul(0.5); // atanh
            for (int search = 0; search < searches; search++) {
                Parameter w = Parameter.trainable(initial.clone());
                boolean[] succeeded = new boolean[n];
                try (var round = TensorScope.open(); var adam = Adam.adam(List.of(w), learningRate, 0.9, 0.999, 1e-8, 0)) {
                    Tensor c = Tensor.of(constant, n).to(inputs.dtype());
                    for (int step = 0; step < steps; step++) {
                        try (var each = TensorScope.open()) {
                            Tensor adversarial = w.value().tanh().add(1).mul(0.5);
                            Tensor delta = adversarial.sub(inputs);
                            Tensor norms = delta.flatten(1, -1).square().sum(1, false);
                            Tensor gap = decision.margin(adversarial, onehot);
                            norms.add(gap.clampMin(0).mul(c)).sum().backward();
                            double[] gaps = gap.toDoubleArray();
                            double[] sizes = norms.sqrt().toDoubleArray();
                            boolean[] better = new boolean[n];
                            boolean improved = false;
                            for (int i = 0; i < n; i++) {
                                if (gaps[i] < 0) {
                                    succeeded[i] = true;
                                    if (sizes[i] < bestNorm[i]) {
                                        bestNorm[i] = sizes[i];
                                        better[i] = improved = true;
                                    }
                                }
                            }
                            Tensor detached = adversarial.detach();
                            if (improved) {
                                Tensor nextBest = TensorScope.release(Norm.choose(Tensor.of(better, n), detached, best));
                                best.close();
                                best = nextBest;
                            }
                            if (search == searches - 1 && step == steps - 1) {
                                last = TensorScope.release(detached.clone());
                            }
                            adam.step();
                            adam.zeroGrad();
                        }
                    }
                } finally {
                    w.value().close();
                }
                for (int i = 0; i < n; i++) {
                    if (succeeded[i]) {
                        upper[i] = Math.min(upper[i], constant[i]);
                        constant[i] = (lower[i] + upper[i]) / 2;
                    } else {
                        lower[i] = Math.max(lower[i], constant[i]);
                        constant[i] = Double.isInfinite(upper[i]) ? constant[i] * 10 : (lower[i] + upper[i]) / 2;
                    }
                }
            }
            return new Search(best, bestNorm, last);
        }
    }
}
