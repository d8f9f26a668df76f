package dev.lipsim.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** Algebraic properties over generated shapes and values (QuickTheories, with shrinking). */
class TensorPropertiesTest {

    private static final int EXAMPLES = 60;

    private static final Gen<List<Integer>> SHAPES = lists().of(integers().between(1, 4)).ofSizeBetween(1, 4);

    private static long[] toShape(List<Integer> sizes) {
        return sizes.stream().mapToLong(Integer::longValue).toArray();
    }

    private static Tensor randn(long seed, long[] shape) {
        return Tensor.randn(new Generator(seed), shape, DType.FLOAT64, Device.CPU);
    }

    @Test
    void broadcastingFollowsNumpyRules() {
        qt().withExamples(EXAMPLES).forAll(SHAPES, longs().all(), longs().all()).checkAssert((sizes, maskSeed, seed) -> {
            long[] shape = toShape(sizes);
            // The other operand: a suffix of the shape with some sizes replaced by 1.
            Random mask = new Random(maskSeed);
            int rank = 1 + mask.nextInt(shape.length);
            long[] other = new long[rank];
            for (int i = 0; i < rank; i++) {
                long size = shape[shape.length - rank + i];
                other[i] = mask.nextBoolean() ? 1 : size;
            }
            try (var scope = TensorScope.open()) {
                Tensor a = randn(seed, shape);
                Tensor b = randn(seed + 1, other);
                Tensor sum = a.add(b);
                assertArrayEquals(shape, sum.shape());
                assertArrayEquals(a.add(b.expand(shape)).toDoubleArray(), sum.toDoubleArray(), 0.0);
                assertArrayEquals(b.add(a).toDoubleArray(), sum.toDoubleArray(), 0.0, "addition commutes");
            }
        });
    }

    @Test
    void reshapeAndPermuteRoundTrip() {
        qt().withExamples(EXAMPLES).forAll(SHAPES, longs().all()).checkAssert((sizes, seed) -> {
            long[] shape = toShape(sizes);
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < shape.length; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(seed));
            int[] permutation = order.stream().mapToInt(Integer::intValue).toArray();
            int[] inverse = new int[permutation.length];
            for (int i = 0; i < permutation.length; i++) {
                inverse[permutation[i]] = i;
            }
            try (var scope = TensorScope.open()) {
                Tensor x = randn(seed, shape);
                Tensor permuted = x.permute(permutation);
                for (int i = 0; i < permutation.length; i++) {
                    assertArrayEquals(new long[] {shape[permutation[i]]}, new long[] {permuted.size(i)});
                }
                assertArrayEquals(x.toDoubleArray(), permuted.permute(inverse).toDoubleArray(), 0.0);
                assertArrayEquals(x.toDoubleArray(), x.reshape(-1).reshape(shape).toDoubleArray(), 0.0);
                assertArrayEquals(x.toDoubleArray(), permuted.contiguous().permute(inverse).toDoubleArray(), 0.0);
            }
        });
    }

    @Test
    void sumIsLinear() {
        qt().withExamples(EXAMPLES).forAll(SHAPES, doubles().between(-10, 10), doubles().between(-10, 10), longs().all())
                .checkAssert((sizes, alpha, beta, seed) -> {
                    long[] shape = toShape(sizes);
                    try (var scope = TensorScope.open()) {
                        Tensor x = randn(seed, shape);
                        Tensor y = randn(seed + 1, shape);
                        double left = x.mul(alpha).add(y.mul(beta)).sum().item();
                        double right = alpha * x.sum().item() + beta * y.sum().item();
                        assertArrayEquals(new double[] {right}, new double[] {left}, 1e-9 * (1 + Math.abs(right)));
                        int dim = shape.length - 1;
                        assertArrayEquals(x.sum(dim, false).mul(alpha).add(y.sum(dim, false).mul(beta)).toDoubleArray(),
                                x.mul(alpha).add(y.mul(beta)).sum(dim, false).toDoubleArray(), 1e-9);
                    }
                });
    }

    @Test
    void matmulIsAssociative() {
        qt().withExamples(EXAMPLES).forAll(integers().between(1, 6), integers().between(1, 6), integers().between(1, 6),
                integers().between(1, 6)).checkAssert((m, k, n, p) -> {
                    try (var scope = TensorScope.open()) {
                        long seed = 31L * m + 17L * k + 7L * n + p;
                        Tensor a = randn(seed, new long[] {m, k});
                        Tensor b = randn(seed + 1, new long[] {k, n});
                        Tensor c = randn(seed + 2, new long[] {n, p});
                        assertArrayEquals(a.matmul(b).matmul(c).toDoubleArray(), a.matmul(b.matmul(c)).toDoubleArray(),
                                1e-10 * (k * n + 1));
                    }
                });
    }
}
