package dev.lipsim.nn.lipschitz;

import dev.lipsim.nn.Module;
import dev.lipsim.nn.Parameter;
import dev.lipsim.nn.optim.Adam;
import dev.lipsim.nn.optim.Optimizer;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;

/**
 * Ways to measure a module's Lipschitz constant (l2), for tests and audits. The module must
 * treat the samples of a batch independently (every layer of this package does); inputs are
 * one sample with a batch dimension of 1. Use float64 modules for tight checks. The module's own
 * gradients are left untouched.
 *
 * <ul>
 *   <li>{@link #jacobian}: the exact Jacobian at a point, and {@link #jacobianNorm} its
 *       spectral norm, the local Lipschitz constant there (small inputs only);
 *   <li>{@link #powerIteration}: an estimate of the same norm without forming the Jacobian;
 *   <li>{@link #adversarial}: a lower bound on the global constant, from gradient ascent on
 *       {@code ||f(x) - f(y)|| / ||x - y||}.
 * </ul>
 */
public final class Lipschitz {

    private Lipschitz() {}

    /**
     * The Jacobian of {@code module} at {@code x} ({@code [1, ...]}): an {@code outputs x inputs}
     * matrix, from one forward and one backward pass over a batch of copies of {@code x}.
     */
    public static Tensor jacobian(Module module, Tensor x) {
        requireSingleSample(x);
        try (var scope = TensorScope.open(); var grad = Autograd.enableGrad()) {
            long inputs = x.numel();
            long outputs;
            try (var noGrad = Autograd.noGrad()) {
                outputs = module.forward(x).numel();
            }
            long[] batchShape = x.shape().clone();
            batchShape[0] = outputs;
            Tensor copies = x.detach().expand(batchShape).contiguous().requiresGrad(true);
            Tensor y = module.forward(copies).reshape(outputs, outputs);
            y.backward(Tensor.eye(outputs, y.dtype(), y.device()), false, List.of(copies));
            return scope.keep(copies.grad().reshape(outputs, inputs).detach());
        }
    }

    /** The spectral norm of the Jacobian at {@code x}: the local Lipschitz constant there. */
    public static double jacobianNorm(Module module, Tensor x) {
        try (var scope = TensorScope.open()) {
            return jacobian(module, x).svdvals().max().item();
        }
    }

    /**
     * Power iteration on {@code J^T J} at {@code x}: {@code J v} by central differences,
     * {@code J^T u} by back-propagation. Returns the estimate of the Jacobian's spectral norm
     * (from below, as power iteration converges).
     */
    public static double powerIteration(Module module, Tensor x, int iterations, Generator generator) {
        requireSingleSample(x);
        try (var scope = TensorScope.open()) {
            Tensor v = Tensor.randn(generator, x.shape(), x.dtype(), x.device());
            v = v.div(v.norm());
            double estimate = 0;
            for (int i = 0; i < iterations; i++) {
                try (var step = TensorScope.open()) {
                    Tensor jv = jacobianVectorProduct(module, x, v);
                    estimate = jv.norm().item();
                    Tensor jtjv = vectorJacobianProduct(module, x, jv);
                    v = step.keep(jtjv.div(jtjv.norm().add(1e-300)));
                }
            }
            return estimate;
        }
    }

    private static Tensor jacobianVectorProduct(Module module, Tensor x, Tensor v) {
        double h = 1e-6 * Math.max(1, x.norm().item());
        try (var noGrad = Autograd.noGrad()) {
            return module.forward(x.add(v, h)).sub(module.forward(x.add(v, -h))).div(2 * h);
        }
    }

    private static Tensor vectorJacobianProduct(Module module, Tensor x, Tensor u) {
        try (var grad = Autograd.enableGrad()) {
            Tensor leaf = x.detach().clone().requiresGrad(true);
            module.forward(leaf).backward(u, false, List.of(leaf));
            return leaf.grad().detach();
        }
    }

    /**
     * The largest ratio {@code ||f(x) - f(y)|| / ||x - y||} found by Adam ascent from a random
     * pair of inputs of {@code shape} (batch 1): a lower bound on the Lipschitz constant.
     */
    public static double adversarial(Module module, long[] shape, int steps, double learningRate, Generator generator) {
        DType dtype = module.stateDict().values().stream().findFirst().map(Tensor::dtype).orElse(DType.FLOAT64);
        try (Pair pair = new Pair(shape, dtype, generator);
                Optimizer optimizer = Adam.adam(pair.parameters(), learningRate, 0.9, 0.999, 1e-8, 0)) {
            double best = 0;
            for (int i = 0; i < steps; i++) {
                try (var scope = TensorScope.open()) {
                    Tensor x = pair.x.value();
                    Tensor y = pair.y.value();
                    Tensor ratio = module.forward(x).sub(module.forward(y)).norm().div(x.sub(y).norm());
                    best = Math.max(best, ratio.item());
                    optimizer.zeroGrad();
                    ratio.neg().backward(null, false, List.of(x, y));
                    optimizer.step();
                }
            }
            return best;
        }
    }

    /** Two trainable inputs. */
    private static final class Pair extends Module {
        final Parameter x;
        final Parameter y;

        Pair(long[] shape, DType dtype, Generator generator) {
            x = parameter("x", Tensor.randn(generator, shape, dtype, Device.CPU));
            y = parameter("y", Tensor.randn(generator, shape, dtype, Device.CPU));
        }

        @Override
        protected Tensor compute(Tensor input) {
            throw new IllegalStateException("a pair of inputs is not applied to anything");
        }
    }

    private static void requireSingleSample(Tensor x) {
        if (x.dim() < 2 || x.size(0) != 1) {
            throw new IllegalArgumentException("expected one sample with a batch dimension of 1, got shape "
                    + java.util.Arrays.toString(x.shape()));
        }
    }
}
