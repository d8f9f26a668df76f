package dev.lipsim.tensor;

import dev.lipsim.bindings.LibTorch;

/**
 * The way this JVM computes floating-point convolutions on the CPU, chosen by a short self-check
 * on first use rather than guessed from the CPU's name or flags.
 *
 * <p>Some libtorch builds compute wrong results on some CPUs: libtorch 2.10 from Maven Central
 * (oneDNN 3.7.1) on AVX-512 AMD EPYC CPUs returns errors of 20% to 80%, or NaN, for NCHW
 * convolutions whose channel counts are not multiples of 16, and correct ones in channels-last
 * (tensor/README.md). The self-check ({@link #check()}) runs a few small convolutions and their
 * gradients in float32 against float64 on the same library, in each layout, and takes the first
 * path that is right: the caller's layout, channels-last, or oneDNN switched off. No path right
 * is an error, not a wrong answer.
 *
 * <p>{@code -Dlipsim.cpuConvolutions=caller-layout|channels-last|without-onednn} skips the check
 * and forces a path; {@link #usePath} does the same at run time (benchmarks, negative controls).
 * float64 convolutions, which oneDNN does not compute, always run in the caller's layout.
 */
public final class CpuConvolutions {

    /** System property: {@code auto} (the default: self-check) or a {@link ConvolutionPath#label()}. */
    public static final String PROPERTY = "lipsim.cpuConvolutions";

    private static volatile ConvolutionPath path;
    private static ConvolutionCheck check;

    private CpuConvolutions() {}

    /** The path in use, running the self-check first if nothing has chosen one yet. */
    public static ConvolutionPath path() {
        ConvolutionPath current = path;
        return current != null ? current : choose();
    }

    /** The self-check's findings (running it now if it has not run); independent of a forced path. */
    public static synchronized ConvolutionCheck check() {
        if (check == null) {
            boolean oneDnn = LibTorch.oneDnnEnabled();
            try {
                check = ConvolutionSelfCheck.run();
            } finally {
                LibTorch.enableOneDnn(oneDnn);
            }
        }
        return check;
    }

    /**
     * Forces {@code chosen} for every later CPU convolution in this process, or, with null, goes
     * back to the self-check's choice. For measuring the paths against each other; a path the
     * check found wrong gives wrong answers.
     */
    public static synchronized void usePath(ConvolutionPath chosen) {
        apply(chosen != null ? chosen : checkedPath());
    }

    /** The path for a convolution of {@code input}: the chosen one for CPU floats other than float64. */
    static ConvolutionPath pathFor(Tensor input) {
        if (input.device().isCuda() || input.dtype() == DType.FLOAT64) {
            return ConvolutionPath.CALLER_LAYOUT;
        }
        return path();
    }

    private static synchronized ConvolutionPath choose() {
        if (path == null) {
            String forced = System.getProperty(PROPERTY, "auto");
            apply(forced.equals("auto") ? checkedPath() : ConvolutionPath.ofLabel(forced));
        }
        return path;
    }

    private static ConvolutionPath checkedPath() {
        ConvolutionCheck found = check();
        if (found.path() == null) {
            throw new IllegalStateException("no way of computing CPU convolutions with this libtorch is correct on this "
                    + "CPU, so none is used: " + found.trials() + "; load another libtorch (LIBTORCH=DIR)");
        }
        return found.path();
    }

    private static void apply(ConvolutionPath chosen) {
        LibTorch.enableOneDnn(chosen != ConvolutionPath.WITHOUT_ONEDNN);
        path = chosen;
    }
}
