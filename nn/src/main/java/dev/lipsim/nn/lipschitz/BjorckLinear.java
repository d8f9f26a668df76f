package dev.lipsim.nn.lipschitz;

import dev.lipsim.nn.Init;
import dev.lipsim.nn.Module;
import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;

/**
 * Björck-orthonormalised linear layer (Anil et al., 2019): the weight is first scaled into the
 * unit ball by the AOL bound ({@code W / sqrt(max_j sum_i |W^T W|_ij)}, which makes every
 * singular value at most 1), then iterated {@code W <- 1.5 W - 0.5 W W^T W}, which drives every
 * non-zero singular value to 1 while never pushing one above 1.
 *
 * <p>Guarantee: 1-Lipschitz, and (for a weight of full rank) orthonormal columns (more outputs
 * than inputs) or rows up to the iteration's residual, reported by {@link #orthogonalityError()}.
 * Each forward runs {@code iterations} steps; more give a tighter fit to an orthogonal matrix.
 */
public final class BjorckLinear extends Module {

    private final Parameter weight;
    private final Parameter bias;
    private final int iterations;

    public BjorckLinear(int in, int out, boolean bias, int iterations, Generator generator) {
        if (iterations < 1) {
            throw new IllegalArgumentException("Björck needs at least one iteration, got " + iterations);
        }
        this.iterations = iterations;
        this.weight = parameter("weight", Init.xavierNormal(
                Tensor.empty(new long[] {out, in}, DType.FLOAT32, Device.CPU), 1, generator));
        this.bias = bias ? parameter("bias", Tensor.zeros(new long[] {out}, DType.FLOAT32, Device.CPU)) : null;
    }

    /** The orthonormalised weight. */
    public Tensor orthonormalWeight() {
        Tensor w = weight.value();
        boolean wide = w.size(0) < w.size(1);
        Tensor x = wide ? w.t() : w;
        Tensor bound = x.t().matmul(x).abs().sum(1, false).max().sqrt();
        x = x.div(bound);
        for (int i = 0; i < iterations; i++) {
            x = x.mul(1.5).sub(x.matmul(x.t().matmul(x)).mul(0.5));
        }
        return wide ? x.t() : x;
    }

    /** The largest deviation of a singular value of the orthonormalised weight from 1. */
    public double orthogonalityError() {
        Tensor singular = orthonormalWeight().svdvals();
        return Math.max(Math.abs(singular.max().item() - 1), Math.abs(singular.min().item() - 1));
    }

    @Override
    protected Tensor compute(Tensor x) {
        return x.linear(orthonormalWeight(), bias == null ? null : bias.value());
    }
}
