package dev.lipsim.properties;

import static org.quicktheories.QuickTheory.qt;

import dev.lipsim.nn.Module;
import dev.lipsim.nn.optim.Adam;
import dev.lipsim.nn.optim.Optimizer;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.nn.lipschitz.Lipschitz;
import org.quicktheories.QuickTheory;

/** The Lipschitz properties every layer must satisfy, and the run settings. */
final class Checks {

    /** The bound with room for float64 rounding. */
    static final double BOUND = 1 + 1e-6;

    private Checks() {}

    /** QuickTheories with the configured number of examples and seed (-Dlipsim.examples, -Dlipsim.seed). */
    static QuickTheory theory() {
        int examples = Integer.getInteger("lipsim.examples", 20);
        String seed = System.getProperty("lipsim.seed", "20261124");
        QuickTheory theory = qt().withExamples(examples).withShrinkCycles(200);
        return seed.equals("random") ? theory : theory.withFixedSeed(Long.parseLong(seed));
    }

    /** The largest {@code ||f(x) - f(y)|| / ||x - y||} over random pairs of inputs of {@code shape}. */
    static double randomPairsRatio(Module module, long[] shape, long seed, int pairs) {
        Generator generator = new Generator(seed);
        double worst = 0;
        for (int i = 0; i < pairs; i++) {
            try (var scope = TensorScope.open()) {
                Tensor x = Tensor.randn(generator, shape, DType.FLOAT64, Device.CPU);
                // Near pairs probe the local constant, far pairs the global behaviour.
                double spread = i % 2 == 0 ? 1e-3 : 2;
                Tensor y = x.add(Tensor.randn(generator, shape, DType.FLOAT64, Device.CPU).mul(spread));
                double ratio = module.forward(x).sub(module.forward(y)).norm().item() / x.sub(y).norm().item();
                worst = Math.max(worst, ratio);
            }
        }
        return worst;
    }

    /** The spectral norm of the exact Jacobian at a random point. */
    static double jacobianNorm(Module module, long[] shape, long seed) {
        try (var scope = TensorScope.open()) {
            Tensor x = Tensor.randn(new Generator(seed), shape, DType.FLOAT64, Device.CPU);
            return Lipschitz.jacobianNorm(module, x);
        }
    }

    /**
     * Trains the module's own parameters for {@code steps} Adam steps to increase
     * {@code ||f(x) - f(y)|| / ||x - y||} on a fixed pair, then returns the largest ratio on random
     * pairs: a constrained layer must stay within the bound.
     */
    static double afterAdversarialTraining(Module module, long[] shape, long seed, int steps) {
        Generator generator = new Generator(seed);
        try (var pairScope = TensorScope.open();
                Optimizer optimizer = Adam.adam(module.parameters(), 0.05, 0.9, 0.999, 1e-8, 0)) {
            Tensor x = Tensor.randn(generator, shape, DType.FLOAT64, Device.CPU);
            Tensor y = x.add(Tensor.randn(generator, shape, DType.FLOAT64, Device.CPU).mul(0.1));
            for (int i = 0; i < steps; i++) {
                try (var scope = TensorScope.open()) {
                    optimizer.zeroGrad();
                    module.forward(x).sub(module.forward(y)).norm().div(x.sub(y).norm()).neg().backward();
                    optimizer.step();
                }
            }
        }
        return Math.max(randomPairsRatio(module, shape, seed + 1, 6), jacobianNorm(module, shape, seed + 2));
    }
}
