package dev.lipsim.attack;

import dev.lipsim.nn.Balls;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;

/**
 * APGD-CE (Croce and Hein 2020, "Reliable evaluation of adversarial robustness with an ensemble
 * of diverse parameter-free attacks"): gradient ascent on the cross-entropy with momentum 0.75,
 * a per-sample step that starts at {@code 2 eps} and is halved at checkpoints (after 22%, then
 * progressively shorter stretches of the iterations) when fewer than 75% of the steps since the
 * last checkpoint improved the loss, or when neither the step nor the best loss changed; after a
 * halving the search restarts from the best point. {@code restarts} runs from random starts keep
 * each sample's first flip.
 */
public final class Apgd implements Attack {

    private static final double MOMENTUM = 0.75;
    private static final double RHO = 0.75;

    private final Norm norm;
    private final int iterations;
    private final int restarts;
    private final Generator generator;

    public Apgd(Norm norm, int iterations, int restarts, Generator generator) {
        if (iterations < 2 || restarts < 1) {
            throw new IllegalArgumentException("APGD needs at least 2 iterations and 1 restart, got " + iterations + ", "
                    + restarts);
        }
        this.norm = norm;
        this.iterations = iterations;
        this.restarts = restarts;
        this.generator = generator;
    }

    @Override
    public String name() {
        return norm == Norm.L2 ? "apgd-ce-l2" : "apgd-ce-linf";
    }

    @Override
    public Norm norm() {
        return norm;
    }

    /**
     * The iterations after which the step may be halved: after 22% of them, then after stretches
     * 3% shorter each time, down to 6% (counted in whole iterations, as AutoAttack does).
     */
    static List<Integer> checkpoints(int iterations) {
        int stretch = Math.max((int) (0.22 * iterations), 1);
        int shortest = Math.max((int) (0.06 * iterations), 1);
        int decrease = Math.max((int) (0.03 * iterations), 1);
        List<Integer> points = new ArrayList<>();
        for (int at = stretch; at <= iterations; stretch = Math.max(stretch - decrease, shortest), at += stretch) {
            points.add(at);
        }
        return points;
    }

    @Override
    public Tensor perturb(Decision decision, Tensor inputs, long[] labels, double eps) {
        if (eps == 0) {
            return inputs.clone();
        }
        try (var scope = TensorScope.open()) {
            Tensor result = null;
            Tensor found = null;
            for (int restart = 0; restart < restarts; restart++) {
                Run run = new Run(decision, inputs, labels, eps);
                Tensor flipped = run.attack();
                try (var each = TensorScope.open()) {
                    if (result == null) {
                        result = run.best;
                        found = flipped;
                        continue;
                    }
                    // keep earlier flips; take this run's result where none was found yet
                    Tensor merged = TensorScope.release(Norm.choose(flipped.logicalAnd(found.logicalNot()), run.best, result));
                    Tensor mergedFound = TensorScope.release(found.logicalOr(flipped));
                    List.of(result, found, run.best, flipped).forEach(Tensor::close);
                    result = merged;
                    found = mergedFound;
                }
            }
            found.close();
            try {
                return scope.keep(result.clone()); // into the caller's scope, as every attack returns
            } finally {
                result.close();
            }
        }
    }

    /** One run from a random start, per-sample state as tensors. */
    private final class Run {
        private final Decision decision;
        private final Tensor inputs;
        private final Tensor target;
        private final Tensor onehot;
        private final double eps;
        /** The input with the highest loss so far, or the first that flipped the decision. */
        Tensor best;

        Run(Decision decision, Tensor inputs, long[] labels, double eps) {
            this.decision = decision;
            this.inputs = inputs;
            this.target = Tensor.of(labels, labels.length);
            this.onehot = Pgd.onehot(labels);
            this.eps = eps;
        }

        /** Per-sample loss and gradient at {@code delta}, and whether the decision there is wrong. */
        private Tensor[] evaluate(Tensor delta) {
            Tensor d = delta.clone().requiresGrad(true);
            Tensor logits = decision.logits(inputs.add(d));
            Tensor losses = logits.logSoftmax(1).mul(onehot).sum(1, false).neg();
            losses.sum().backward();
            return new Tensor[] {losses.detach(), d.grad().clone(), logits.argmax(1, false).ne(target)};
        }

        private Tensor project(Tensor delta) {
            return Balls.keepInImage(inputs, norm.project(delta, eps));
        }

        private Tensor step(Tensor delta, Tensor gradient, Tensor steps) {
            return project(delta.add(norm.direction(gradient).mul(steps.reshape(Norm.perSample(inputs)))));
        }

        /**
         * Every per-sample quantity the iterations carry, owned here (outside any scope) and
         * replaced as a whole at the end of each iteration, so nothing accumulates.
         */
        private record State(Tensor steps, Tensor delta, Tensor previous, Tensor bestDelta, Tensor bestLoss, Tensor flipped,
                Tensor successes, Tensor stepsAtCheckpoint, Tensor bestLossAtCheckpoint, Tensor loss, Tensor gradient)
                implements AutoCloseable {

            /** Copies of every field, released from the current scope. */
            State detach() {
                return new State(own(steps), own(delta), own(previous), own(bestDelta), own(bestLoss), own(flipped),
                        own(successes), own(stepsAtCheckpoint), own(bestLossAtCheckpoint), own(loss), own(gradient));
            }

            private static Tensor own(Tensor tensor) {
                return TensorScope.release(tensor.clone());
            }

            @Override
            public void close() {
                List.of(steps, delta, previous, bestDelta, bestLoss, flipped, successes, stepsAtCheckpoint, bestLossAtCheckpoint,
                        loss, gradient).forEach(Tensor::close);
            }
        }

        /** Runs the iterations; returns which samples were flipped ({@link #best} holds where, or the highest loss). */
        Tensor attack() {
            long n = inputs.size(0);
            List<Integer> checkpoints = checkpoints(iterations);
            State state;
            try (var start = TensorScope.open()) {
                Tensor steps = Tensor.full(new long[] {n}, 2 * eps, inputs.dtype(), inputs.device());
                Tensor delta = project(norm.randomStart(inputs.shape(), eps, generator));
                Tensor[] at = evaluate(delta);
                state = new State(steps, delta, delta, delta, at[0], at[2], Tensor.zeros(n), steps, at[0], at[0], at[1])
                        .detach();
            }
            int lastCheckpoint = 0;
            for (int k = 0; k < iterations; k++) {
                try (var iteration = TensorScope.open()) {
                    State s = state;
                    Tensor z = step(s.delta(), s.gradient(), s.steps());
                    Tensor next = k == 0 ? z : project(s.delta().add(z.sub(s.delta()).mul(MOMENTUM))
                            .add(s.delta().sub(s.previous()).mul(1 - MOMENTUM)));
                    Tensor[] at = evaluate(next);
                    Tensor successes = s.successes().add(at[0].gt(s.loss()).to(s.successes().dtype()));
                    Tensor keep = at[0].gt(s.bestLoss()).logicalAnd(s.flipped().logicalNot())
                            .logicalOr(at[2].logicalAnd(s.flipped().logicalNot()));
                    Tensor bestDelta = Norm.choose(keep, next, s.bestDelta());
                    Tensor bestLoss = Tensor.where(keep, at[0], s.bestLoss());
                    Tensor flipped = s.flipped().logicalOr(at[2]);
                    State updated = new State(s.steps(), next, s.delta(), bestDelta, bestLoss, flipped, successes,
                            s.stepsAtCheckpoint(), s.bestLossAtCheckpoint(), at[0], at[1]);
                    if (checkpoints.contains(k + 1)) {
                        int stretch = k + 1 - lastCheckpoint;
                        Tensor halve = successes.lt(RHO * stretch).logicalOr(
                                s.steps().eq(s.stepsAtCheckpoint()).logicalAnd(bestLoss.eq(s.bestLossAtCheckpoint())));
                        Tensor restartFrom = Norm.choose(halve, bestDelta, next);
                        Tensor[] there = evaluate(restartFrom);
                        updated = new State(Tensor.where(halve, s.steps().mul(0.5), s.steps()), restartFrom, next, bestDelta,
                                bestLoss, flipped, Tensor.zeros(n), s.steps(), bestLoss, there[0], there[1]);
                        lastCheckpoint = k + 1;
                    }
                    State previous = state;
                    state = updated.detach();
                    previous.close();
                }
            }
            try (State last = state) {
                best = TensorScope.release(inputs.add(last.bestDelta()));
                return TensorScope.release(last.flipped().clone());
            }
        }
    }
}
