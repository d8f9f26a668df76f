package dev.lipsim.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Compares libtorch's gradients with central finite differences in float64, for tests.
 *
 * <p>The function's output is reduced to a scalar with fixed random weights
 * ({@code L = sum(w * f(x))}), so every output element takes part; then for each input element
 * {@code (L(x + h) - L(x - h)) / 2h} is compared with the gradient from {@code backward()}.
 * Inputs are copied to float64 leaves on the CPU first. Pick inputs away from kinks (the
 * maximum, relu at 0, ...), where finite differences and subgradients legitimately disagree.
 */
public final class GradientCheck {

    private static final double STEP = 1e-6;

    private GradientCheck() {}

    /**
     * Throws {@link AssertionError} naming the first input and element whose gradient differs by
     * more than {@code atol + rtol * |numeric|}.
     */
    public static void assertGradientsMatch(Function<List<Tensor>, Tensor> function, List<Tensor> inputs, double atol,
            double rtol) {
        try (var scope = TensorScope.open(); var grad = Autograd.enableGrad()) {
            List<Tensor> leaves = new ArrayList<>();
            for (Tensor input : inputs) {
                leaves.add(input.detach().to(Device.CPU).to(DType.FLOAT64).contiguous().clone().requiresGrad(true));
            }
            Tensor weights;
            try (var noGrad = Autograd.noGrad()) {
                Tensor output = function.apply(leaves);
                weights = Tensor.randn(new Generator(42), output.shape(), DType.FLOAT64, Device.CPU);
            }
            function.apply(leaves).mul(weights).sum().backward();

            for (int i = 0; i < leaves.size(); i++) {
                Tensor leaf = leaves.get(i);
                Tensor gradient = leaf.grad();
                double[] analytic = gradient == null ? new double[(int) leaf.numel()] : gradient.toDoubleArray();
                double[] numeric = numericGradient(function, leaves, weights, leaf);
                for (int j = 0; j < numeric.length; j++) {
                    double error = Math.abs(analytic[j] - numeric[j]);
                    if (!(error <= atol + rtol * Math.abs(numeric[j]))) {
                        throw new AssertionError("gradient of input " + i + " (shape " + Arrays.toString(leaf.shape())
                                + ") at flat index " + j + ": backward gives " + analytic[j]
                                + ", finite differences give " + numeric[j]);
                    }
                }
            }
        }
    }

    private static double[] numericGradient(Function<List<Tensor>, Tensor> function, List<Tensor> leaves, Tensor weights,
            Tensor leaf) {
        int n = (int) leaf.numel();
        MemorySegment data = leaf.handle().dataPointer().reinterpret(n * 8L);
        double[] numeric = new double[n];
        try (var noGrad = Autograd.noGrad()) {
            for (int j = 0; j < n; j++) {
                double original = data.getAtIndex(ValueLayout.JAVA_DOUBLE, j);
                data.setAtIndex(ValueLayout.JAVA_DOUBLE, j, original + STEP);
                double plus = weightedSum(function, leaves, weights);
                data.setAtIndex(ValueLayout.JAVA_DOUBLE, j, original - STEP);
                double minus = weightedSum(function, leaves, weights);
                data.setAtIndex(ValueLayout.JAVA_DOUBLE, j, original);
                numeric[j] = (plus - minus) / (2 * STEP);
            }
        }
        return numeric;
    }

    private static double weightedSum(Function<List<Tensor>, Tensor> function, List<Tensor> leaves, Tensor weights) {
        try (var scope = TensorScope.open()) {
            return function.apply(leaves).mul(weights).sum().item();
        }
    }
}
