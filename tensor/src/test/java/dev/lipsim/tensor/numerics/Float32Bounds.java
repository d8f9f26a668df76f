package dev.lipsim.tensor.numerics;

import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;

/**
 * float32 results checked against the same op in float64 on the same library, elementwise,
 * within bounds from float32 rounding-error analysis rather than tolerances tuned to pass.
 *
 * <p>The float32 inputs are exactly representable in float64, so the float64 result is the exact
 * answer up to float64 rounding, and for a sum of {@code n} products computed in any order (any
 * blocking, threading or FMA a kernel picks) the float32 error is at most
 * {@code gamma(n) * sum |a_i b_i|} (Higham, Accuracy and Stability of Numerical Algorithms, 3.1).
 * A correct kernel stays inside these bounds on every CPU; a wrong one (an uninitialised block, a
 * dropped channel) is orders of magnitude outside.
 */
public final class Float32Bounds {

    /** float32's unit roundoff, 2^-24. */
    public static final double U = 0x1p-24;

    private Float32Bounds() {}

    /**
     * {@code n u / (1 - n u)} for float32, plus float64's own for the reference: the relative
     * bound of an {@code n}-term sum of products.
     */
    public static double gamma(long n) {
        double u64 = 0x1p-53;
        return n * U / (1 - n * U) + n * u64 / (1 - n * u64);
    }

    /**
     * Describes where {@code |actual - expected| > bound} (NaN included), or returns null when
     * nowhere; {@code actual} is float32, the others float64, all of one shape.
     */
    public static String violation(String what, Tensor actual, Tensor expected, Tensor bound) {
        try (var scope = TensorScope.open()) {
            if (!java.util.Arrays.equals(actual.shape(), expected.shape())) {
                return what + ": shape " + java.util.Arrays.toString(actual.shape()) + " where float64 gives "
                        + java.util.Arrays.toString(expected.shape());
            }
            Tensor error = actual.to(DType.FLOAT64).sub(expected).abs();
            Tensor bad = error.gt(bound).logicalOr(error.ne(error));
            long count = (long) bad.sum().item();
            if (count == 0) {
                return null;
            }
            Tensor ratio = error.div(bound.add(Double.MIN_NORMAL)).flatten();
            Tensor nan = ratio.ne(ratio);
            long worst = nan.sum().item() > 0 ? nan.to(DType.INT64).argmax().itemLong() : ratio.argmax().itemLong();
            return String.format("%s: %d of %d elements beyond the float32 bound; element %d has error %.3g where "
                    + "the bound is %.3g", what, count, actual.numel(), worst, error.flatten().select(0, worst).item(),
                    bound.flatten().select(0, worst).item());
        }
    }

    /** Adds {@code violation(...)} to {@code failures} when there is one. */
    public static void check(List<String> failures, String what, Tensor actual, Tensor expected, Tensor bound) {
        String found = violation(what, actual, expected, bound);
        if (found != null) {
            failures.add(found);
        }
    }

    /** A failure message listing the first few of {@code failures} (empty: none). */
    public static String summary(List<String> failures) {
        int shown = Math.min(failures.size(), 12);
        return failures.size() + " failures:\n  " + String.join("\n  ", failures.subList(0, shown))
                + (shown < failures.size() ? "\n  ..." : "");
    }
}
