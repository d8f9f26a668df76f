package dev.lipsim.nn.optim;

/**
 * A learning rate as a function of the step (0-based). Apply it with
 * {@code optimizer.setLearningRate(schedule.at(step))} before each step.
 */
@FunctionalInterface
public interface LearningRateSchedule {

    double at(long step);

    /** Linear warm-up from 0 to {@code peak} over {@code warmupSteps}, then cosine decay to 0 at {@code totalSteps}. */
    static LearningRateSchedule warmupCosine(double peak, long warmupSteps, long totalSteps) {
        if (warmupSteps < 0 || totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("need 0 <= warmup < total steps, got " + warmupSteps + ", " + totalSteps);
        }
        return step -> {
            if (step < warmupSteps) {
                return peak * step / warmupSteps;
            }
            double progress = Math.min(1, (double) (step - warmupSteps) / (totalSteps - warmupSteps));
            return peak * 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    }

    /**
     * Piecewise linear through {@code (steps[i], values[i])} (steps increasing), constant beyond
     * the last point.
     */
    static LearningRateSchedule piecewiseLinear(long[] steps, double[] values) {
        if (steps.length == 0 || steps.length != values.length) {
            throw new IllegalArgumentException("need as many points as values, at least one");
        }
        for (int i = 1; i < steps.length; i++) {
            if (steps[i] <= steps[i - 1]) {
                throw new IllegalArgumentException("steps must increase, got " + java.util.Arrays.toString(steps));
            }
        }
        long[] xs = steps.clone();
        double[] ys = values.clone();
        return step -> {
            if (step <= xs[0]) {
                return ys[0];
            }
            for (int i = 1; i < xs.length; i++) {
                if (step <= xs[i]) {
                    double fraction = (double) (step - xs[i - 1]) / (xs[i] - xs[i - 1]);
                    return ys[i - 1] + fraction * (ys[i] - ys[i - 1]);
                }
            }
            return ys[ys.length - 1];
        };
    }

    /** The triangular schedule of LipSim fine-tuning: through (0, 0), (2N/5, lr), (4N/5, lr/20), (N, 0). */
    static LearningRateSchedule triangular(double peak, long totalSteps) {
        if (totalSteps < 5) {
            throw new IllegalArgumentException("the triangular schedule needs at least 5 steps, got " + totalSteps);
        }
        return piecewiseLinear(new long[] {0, totalSteps * 2 / 5, totalSteps * 4 / 5, totalSteps},
                new double[] {0, peak, peak / 20, 0});
    }

    /** {@code base * gamma^k} after the k-th milestone (milestones increasing). */
    static LearningRateSchedule multiStep(double base, long[] milestones, double gamma) {
        long[] sorted = milestones.clone();
        java.util.Arrays.sort(sorted);
        return step -> {
            int passed = 0;
            while (passed < sorted.length && step >= sorted[passed]) {
                passed++;
            }
            return base * Math.pow(gamma, passed);
        };
    }
}
