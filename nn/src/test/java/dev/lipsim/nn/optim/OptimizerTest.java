package dev.lipsim.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lipsim.nn.Module;
import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Each optimizer against its update rule written out in plain Java: the loss {@code sum(c * p)}
 * has gradient {@code c}, with a different c at each step.
 */
class OptimizerTest {

    private static final double[] START = {1.0, -2.0};
    private static final double[][] GRADS = {{0.5, 1.0}, {-1.0, 2.0}, {0.25, -0.5}};

    /** One parameter vector, float64. */
    static final class Vector extends Module {
        final Parameter p;

        Vector() {
            p = parameter("p", Tensor.of(START.clone(), 2));
        }

        @Override
        protected Tensor compute(Tensor c) {
            return p.value().mul(c).sum();
        }
    }

    private static double[] run(Function<List<Parameter>, Optimizer> make) {
        try (Vector v = new Vector(); Optimizer optimizer = make.apply(v.parameters())) {
            for (double[] c : GRADS) {
                try (var scope = TensorScope.open()) {
                    optimizer.zeroGrad();
                    v.forward(Tensor.of(c.clone(), 2)).backward();
                    optimizer.step();
                }
            }
            return v.p.value().toDoubleArray();
        }
    }

    @Test
    void plainSgd() {
        double[] p = START.clone();
        for (double[] g : GRADS) {
            for (int i = 0; i < 2; i++) {
                p[i] -= 0.1 * g[i];
            }
        }
        assertArrayEquals(p, run(ps -> new Sgd(ps, 0.1)), 1e-12);
    }

    @Test
    void sgdWithMomentumDampeningAndWeightDecay() {
        double lr = 0.1;
        double momentum = 0.9;
        double dampening = 0.1;
        double wd = 0.01;
        double[] p = START.clone();
        double[] buffer = null;
        for (double[] grad : GRADS) {
            double[] g = new double[2];
            for (int i = 0; i < 2; i++) {
                g[i] = grad[i] + wd * p[i];
            }
            if (buffer == null) {
                buffer = g.clone();
            } else {
                for (int i = 0; i < 2; i++) {
                    buffer[i] = momentum * buffer[i] + (1 - dampening) * g[i];
                }
            }
            for (int i = 0; i < 2; i++) {
                p[i] -= lr * buffer[i];
            }
        }
        assertArrayEquals(p, run(ps -> new Sgd(ps, lr, momentum, dampening, false, wd)), 1e-12);
    }

    @Test
    void sgdNesterov() {
        double lr = 0.05;
        double momentum = 0.8;
        double[] p = START.clone();
        double[] buffer = null;
        for (double[] g : GRADS) {
            if (buffer == null) {
                buffer = g.clone();
            } else {
                for (int i = 0; i < 2; i++) {
                    buffer[i] = momentum * buffer[i] + g[i];
                }
            }
            for (int i = 0; i < 2; i++) {
                p[i] -= lr * (g[i] + momentum * buffer[i]);
            }
        }
        assertArrayEquals(p, run(ps -> new Sgd(ps, lr, momentum, 0, true, 0)), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> run(ps -> new Sgd(ps, lr, 0, 0, true, 0)));
    }

    @Test
    void adamAndAdamW() {
        assertArrayEquals(adamByHand(0.01, 0.5, 0.9, 1e-8, 0.1, false),
                run(ps -> Adam.adam(ps, 0.01, 0.5, 0.9, 1e-8, 0.1)), 1e-12);
        assertArrayEquals(adamByHand(0.01, 0.9, 0.999, 1e-8, 0.1, true),
                run(ps -> Adam.adamW(ps, 0.01, 0.9, 0.999, 1e-8, 0.1)), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Adam.adam(List.of(), 0.1, 0.9, 0.9, 1e-8, 0));
    }

    private static double[] adamByHand(double lr, double b1, double b2, double eps, double wd, boolean decoupled) {
        double[] p = START.clone();
        double[] m = new double[2];
        double[] v = new double[2];
        for (int t = 1; t <= GRADS.length; t++) {
            for (int i = 0; i < 2; i++) {
                double g = GRADS[t - 1][i];
                if (decoupled) {
                    p[i] *= 1 - lr * wd;
                } else {
                    g += wd * p[i];
                }
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mHat = m[i] / (1 - Math.pow(b1, t));
                double denominator = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                p[i] -= lr * mHat / denominator;
            }
        }
        return p;
    }

    @Test
    void stateSavesAndRestores() {
        try (Vector a = new Vector(); Vector b = new Vector();
                Optimizer first = Adam.adam(a.parameters(), 0.01, 0.9, 0.999, 1e-8, 0);
                Optimizer second = Adam.adam(b.parameters(), 0.01, 0.9, 0.999, 1e-8, 0)) {
            try (var scope = TensorScope.open()) {
                a.forward(Tensor.of(GRADS[0].clone(), 2)).backward();
                first.step();
                Map<String, Tensor> state = first.stateDict();
                assertEquals(List.of("0.exp_avg", "0.exp_avg_sq", "0.step"), state.keySet().stream().sorted().toList());
                assertEquals(1, state.get("0.step").itemLong());
                b.loadStateDict(a.stateDict());
                second.loadStateDict(state);
                for (Vector v : List.of(a, b)) {
                    v.zeroGrad();
                    v.forward(Tensor.of(GRADS[1].clone(), 2)).backward();
                }
                first.step();
                second.step();
                assertArrayEquals(a.p.value().toDoubleArray(), b.p.value().toDoubleArray(), 0.0);
                assertEquals(2, second.stateDict().get("0.step").itemLong());
                assertThrows(IllegalArgumentException.class, () -> second.loadStateDict(Map.of("7.exp_avg", Tensor.zeros(2))));
            }
        }
    }
}
