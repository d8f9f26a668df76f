package dev.lipsim.nn.lipschitz;

import dev.lipsim.tensor.MemoryFormat;
import dev.lipsim.tensor.Tensor;

/**
 * The memory layout the convolutional layers compute in. On the CPU, channels-last: libtorch's
 * CPU convolutions run about twice as fast in it (BENCHMARKS.md), so the first layer converts and
 * the rest find their input converted. On CUDA the caller's layout is kept: cuDNN is fast in both,
 * and which is faster depends on the card and the shapes (BENCHMARKS.md, "GPU check").
 */
final class ConvolutionLayout {

    private ConvolutionLayout() {}

    /** {@code x} in the layout to compute in: itself or a copy the caller's scope owns. */
    static Tensor of(Tensor x) {
        return x.device().isCuda() ? x : x.contiguous(MemoryFormat.CHANNELS_LAST);
    }
}
