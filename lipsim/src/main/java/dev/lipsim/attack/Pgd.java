package dev.lipsim.attack;

import dev.lipsim.nn.Balls;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;

/**
 * Projected gradient ascent on the cross-entropy of the decision (Madry et al. 2018), from a
 * random point of the ball, with steps of {@code stepFactor * eps}; with {@code momentum > 0} the
 * momentum-iterative variant (Dong et al. 2018), which accumulates l1-normalised gradients.
 * Keeps, per sample, the first perturbation that flips the decision.
 */
public final class Pgd implements Attack {

    private final String name;
    private final Norm norm;
    private final int steps;
    private final double stepFactor;
    private final double momentum;
    private final boolean randomStart;
    private final Generator generator;

    Pgd(String name, Norm norm, int steps, double stepFactor, double momentum, boolean randomStart, Generator generator) {
        if (steps < 1 || !(stepFactor > 0) || !(momentum >= 0)) {
            throw new IllegalArgumentException("need steps >= 1, a positive step and momentum >= 0, got " + steps + ", "
                    + stepFactor + ", " + momentum);
        }
        this.name = name;
        this.norm = norm;
        this.steps = steps;
        this.stepFactor = stepFactor;
        this.momentum = momentum;
        this.randomStart = randomStart;
        this.generator = generator;
    }

    /**
     * PGD with a random start: l-infinity steps of {@code 2.5 eps / steps} (Madry et al.'s choice),
     * l2 steps of {@code eps / 10}, which from a start on the sphere still turns towards the best
     * direction within a hundred steps.
     */
    public static Pgd pgd(Norm norm, int steps, Generator generator) {
        return norm == Norm.L2 ? new Pgd("pgd-l2", norm, steps, 0.1, 0, true, generator)
                : new Pgd("pgd-linf", norm, steps, 2.5 / steps, 0, true, generator);
    }

    /** Momentum-iterative: decay 1, steps of {@code eps / steps}, no random start (Dong et al.). */
    public static Pgd momentumIterative(Norm norm, int steps, Generator generator) {
        return new Pgd(norm == Norm.L2 ? "mi-l2" : "mi-linf", norm, steps, 1.0 / steps, 1.0, false, generator);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Norm norm() {
        return norm;
    }

    @Override
    public Tensor perturb(Decision decision, Tensor inputs, long[] labels, double eps) {
        if (eps == 0) {
            return inputs.clone();
        }
        try (var scope = TensorScope.open()) {
            Tensor onehot = onehot(labels);
            Tensor target = Tensor.of(labels, labels.length);
            Tensor delta = randomStart ? Balls.keepInImage(inputs, norm.randomStart(inputs.shape(), eps, generator))
                    : inputs.zerosLike();
            Tensor velocity = inputs.zerosLike();
            Tensor best = inputs.clone();
            Tensor found = target.lt(0); // all false
            for (int step = 0; ; step++) {
                try (var stepScope = TensorScope.open()) {
                    Tensor d = delta.clone().requiresGrad(true);
                    Tensor adversarial = inputs.add(d);
                    Tensor logits = decision.logits(adversarial);
                    // keep each sample's first flip; at the end, the last attempt where none was found
                    Tensor take = step == steps ? found.logicalNot()
                            : logits.argmax(1, false).ne(target).logicalAnd(found.logicalNot());
                    best = replace(best, stepScope.keep(Norm.choose(take, adversarial.detach(), best)));
                    found = replace(found, stepScope.keep(found.logicalOr(take)));
                    if (step == steps) {
                        return scope.keep(best);
                    }
                    logits.logSoftmax(1).mul(onehot).sum().neg().backward();
                    Tensor gradient = d.grad();
                    if (momentum > 0) {
                        Tensor l1 = gradient.flatten(1, -1).abs().sum(1, true).clampMin(1e-12).reshape(Norm.perSample(inputs));
                        velocity = replace(velocity, stepScope.keep(velocity.mul(momentum).add(gradient.div(l1))));
                        gradient = velocity;
                    }
                    Tensor moved = delta.add(norm.direction(gradient).mul(stepFactor * eps));
                    delta = replace(delta, stepScope.keep(Balls.keepInImage(inputs, norm.project(moved, eps))));
                }
            }
        }
    }

    /** Frees {@code old} (the loop's previous state) and returns its successor. */
    private static Tensor replace(Tensor old, Tensor successor) {
        old.close();
        return successor;
    }

    /** Labels as one-hot rows {@code [n, 2]}. */
    static Tensor onehot(long[] labels) {
        float[] values = new float[2 * labels.length];
        for (int i = 0; i < labels.length; i++) {
            values[2 * i + (int) labels[i]] = 1;
        }
        return Tensor.of(values, labels.length, 2);
    }
}
