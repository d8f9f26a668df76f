package dev.lipsim.nn.lipschitz;

import dev.lipsim.nn.Init;
import dev.lipsim.nn.Module;
import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;

/**
 * Spectral normalisation of a convolution by its operator norm (stride 1, odd kernel, "same"
 * zero padding) on inputs of at most {@code height x width}: {@code y = conv(x, K / sigma) + b}.
 *
 * <p>In training mode {@code sigma} is a power-iteration estimate of the operator norm (one
 * iteration of {@code conv^T conv} per forward, on a persistent input-shaped buffer {@code u}),
 * which approaches the norm from below. In evaluation mode {@code sigma} is a guaranteed upper
 * bound: the zero-padded convolution on an {@code n x m} input is a restriction of the circular
 * convolution on an {@code (n + k - 1) x (m + k - 1)} torus, whose singular values are those of
 * the kernel's discrete Fourier transform at each frequency (Sedghi et al., 2019); the largest of
 * them bounds the layer's norm. Guarantee in eval mode: 1-Lipschitz for every input up to the
 * configured size. The bound costs one small SVD per frequency.
 */
public final class SpectralNormConv2d extends Module {

    private final Parameter kernel;
    private final Parameter bias;
    private final Parameter u;
    private final int height;
    private final int width;

    public SpectralNormConv2d(int in, int out, int kernelSize, int height, int width, boolean bias, Generator generator) {
        if (kernelSize % 2 == 0) {
            throw new IllegalArgumentException("needs an odd kernel size, got " + kernelSize);
        }
        this.height = height;
        this.width = width;
        this.kernel = parameter("kernel", Init.xavierNormal(
                Tensor.empty(new long[] {out, in, kernelSize, kernelSize}, DType.FLOAT32, Device.CPU), 1, generator));
        this.bias = bias ? parameter("bias", Tensor.zeros(new long[] {out}, DType.FLOAT32, Device.CPU)) : null;
        Tensor start = Init.normal(Tensor.empty(new long[] {1, in, height, width}, DType.FLOAT32, Device.CPU), 0, 1, generator);
        this.u = buffer("u", start.div(start.norm()));
    }

    private int padding() {
        return (int) kernel.value().size(2) / 2;
    }

    /** A guaranteed upper bound on the operator norm of the (unnormalised) convolution. */
    public Tensor normBound() {
        Tensor k = kernel.value();
        long out = k.size(0);
        long in = k.size(1);
        int size = (int) k.size(2);
        Tensor[] rows = fourierMatrices(height + size - 1, size, k);
        Tensor[] columns = fourierMatrices(width + size - 1, size, k);
        Tensor flat = k.reshape(out * in, size, size);
        // Re and Im of sum_{h,w} K[., ., h, w] exp(-i (theta1 h + theta2 w)), for every frequency pair.
        Tensor real = rows[0].matmul(flat).matmul(columns[0].t()).sub(rows[1].matmul(flat).matmul(columns[1].t()));
        Tensor imaginary = rows[1].matmul(flat).matmul(columns[0].t()).add(rows[0].matmul(flat).matmul(columns[1].t())).neg();
        Tensor re = real.permute(1, 2, 0).reshape(-1, out, in);
        Tensor im = imaginary.permute(1, 2, 0).reshape(-1, out, in);
        // A complex matrix's singular values are those of [[Re, -Im], [Im, Re]] (each twice).
        Tensor blocks = Tensor.cat(List.of(Tensor.cat(List.of(re, im.neg()), 2), Tensor.cat(List.of(im, re), 2)), 1);
        return blocks.svdvals().max();
    }

    /** {@code cos} and {@code sin} of {@code 2 pi f t / n} for frequencies f < n and taps t < size. */
    private static Tensor[] fourierMatrices(int n, int size, Tensor like) {
        double[] cos = new double[n * size];
        double[] sin = new double[n * size];
        for (int f = 0; f < n; f++) {
            for (int t = 0; t < size; t++) {
                double angle = 2 * Math.PI * f * t / n;
                cos[f * size + t] = Math.cos(angle);
                sin[f * size + t] = Math.sin(angle);
            }
        }
        return new Tensor[] {Tensor.of(cos, n, size).to(like.dtype()).to(like.device()),
                Tensor.of(sin, n, size).to(like.dtype()).to(like.device())};
    }

    /** One power-iteration step on {@code u} (not differentiated), then {@code ||conv(u)||} (differentiated). */
    private Tensor powerIterationSigma() {
        Tensor k = kernel.value();
        try (var noGrad = Autograd.noGrad(); var scope = TensorScope.open()) {
            Tensor next = u.value().conv2d(k, null, 1, padding()).convTranspose2d(k, null, 1, padding());
            u.value().copy_(next.div(next.norm().add(1e-12)));
        }
        // A copy: the next forward updates u in place, which autograd must not see.
        return u.value().clone().conv2d(k, null, 1, padding()).norm();
    }

    @Override
    protected Tensor compute(Tensor x) {
        if (x.size(2) > height || x.size(3) > width) {
            throw new IllegalArgumentException("input " + x.size(2) + " x " + x.size(3) + " exceeds the " + height + " x "
                    + width + " this layer is normalised for");
        }
        Tensor sigma = isTraining() ? powerIterationSigma() : normBound();
        return x.conv2d(kernel.value().div(sigma), bias == null ? null : bias.value(), 1, padding());
    }
}
