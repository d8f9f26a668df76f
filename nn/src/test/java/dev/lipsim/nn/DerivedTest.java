package dev.lipsim.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A derived tensor is reused while its parameters are unchanged and recomputed as soon as one changes. */
class DerivedTest {

    /** {@code y = x * 2w}, counting how often {@code 2w} is computed. */
    static final class Doubling extends Module {
        final Parameter w;
        final Derived doubled;
        int computations;

        Doubling() {
            w = parameter("w", Tensor.of(new float[] {1, 2}, 2));
            doubled = derived(() -> {
                computations++;
                return w.value().mul(2.0);
            }, w);
        }

        @Override
        protected Tensor compute(Tensor x) {
            return x.mul(doubled.get());
        }
    }

    private static double[] apply(Module module) {
        return module.forward(Tensor.ones(2)).toDoubleArray();
    }

    @Test
    void reusedWithoutGradAndRecomputedAfterEveryKindOfChange() {
        try (var scope = TensorScope.open(); Doubling module = new Doubling(); var noGrad = Autograd.noGrad()) {
            assertArrayEquals(new double[] {2, 4}, apply(module));
            assertArrayEquals(new double[] {2, 4}, apply(module));
            assertEquals(1, module.computations, "computed once for two forwards");

            module.w.value().mul_(3.0);  // an optimizer step
            assertArrayEquals(new double[] {6, 12}, apply(module));
            assertEquals(2, module.computations);

            module.loadStateDict(Map.of("w", Tensor.of(new float[] {5, 7}, 2)));
            assertArrayEquals(new double[] {10, 14}, apply(module));
            assertEquals(3, module.computations);

            module.to(DType.FLOAT64);  // the parameter is replaced
            assertArrayEquals(new double[] {10, 14}, apply(module));
            assertEquals(4, module.computations);
            assertEquals(DType.FLOAT64, module.forward(Tensor.ones(2)).dtype());
        }
    }

    @Test
    void computedAfreshWhileParametersNeedGradientsAndCachedWhenFrozen() {
        try (var scope = TensorScope.open(); Doubling module = new Doubling()) {
            Tensor y = module.forward(Tensor.ones(2));
            assertTrue(y.requiresGrad());
            y.sum().backward();
            assertArrayEquals(new double[] {2, 2}, module.w.grad().toDoubleArray(), "d(sum 2w)/dw");
            module.forward(Tensor.ones(2));
            assertEquals(2, module.computations, "no cache while gradients flow into the parameter");

            module.requiresGrad(false);
            Tensor x = Tensor.ones(2).requiresGrad(true);
            module.forward(x).sum().backward();
            module.forward(x);
            assertEquals(3, module.computations, "a frozen parameter's derived value is cached under grad mode");
            assertArrayEquals(new double[] {2, 4}, x.grad().toDoubleArray(), "input gradients still flow: d(sum 2wx)/dx");
        }
    }

    @Test
    void closingTheModuleFreesTheCachedValue() {
        long before = Tensor.liveCount();
        Doubling module = new Doubling();
        Tensor cached;
        try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            apply(module);
            cached = module.doubled.get();
        }
        assertEquals(before + 2, Tensor.liveCount(), "the parameter and the cached value");
        module.close();
        assertTrue(cached.isClosed());
        assertEquals(before, Tensor.liveCount());
    }
}
