package dev.lipsim.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntToLongFunction;
import java.util.function.UnaryOperator;

/**
 * {@link ConvolutionPath#CHANNELS_LAST}: a CPU convolution computed on a channels-last copy of its
 * input, its result handed back row-major as the caller's layout would have given it. Autograd
 * records the copies, so the backward pass runs channels-last too.
 *
 * <p>Where the input or the output has one channel or one pixel, channels-last and NCHW are the
 * same memory and oneDNN takes its NCHW kernels whatever the strides say; those shapes were found
 * wrong for batches of more than one and right for single images, so they run image by image.
 */
final class ChannelsLastRoute {

    private ChannelsLastRoute() {}

    /** Whether {@code path} reroutes this call: channels-last chosen, an (unbatched) image and a 4-d weight. */
    static boolean applies(ConvolutionPath path, Tensor input, Tensor weight) {
        return path == ConvolutionPath.CHANNELS_LAST && (input.dim() == 3 || input.dim() == 4) && weight.dim() == 4;
    }

    /**
     * {@code op(input)} computed channels-last; {@code outputSize} gives the output's height (for
     * argument 2) and width (3) from a 4-d input.
     */
    static Tensor apply(Tensor input, long outputChannels, IntToLongFunction outputSize, UnaryOperator<Tensor> op) {
        if (input.dim() == 3) {
            try (Tensor batch = input.unsqueeze(0); Tensor result = apply(batch, outputChannels, outputSize, op)) {
                return result.squeeze(0);
            }
        }
        boolean ambiguous = ambiguous(input.size(1), input.size(2), input.size(3))
                || ambiguous(outputChannels, outputSize.applyAsLong(2), outputSize.applyAsLong(3));
        if (ambiguous && input.size(0) > 1) {
            return imageByImage(input, op);
        }
        if (hasChannelsLastStrides(input)) {
            return op.apply(input);
        }
        try (Tensor converted = Tensor.wrap(Aten.CLONE.call().tensor(input.handle())
                .memoryFormat(MemoryFormat.CHANNELS_LAST.code()).callTensor());
                Tensor result = op.apply(converted)) {
            return result.contiguous();
        }
    }

    private static boolean ambiguous(long channels, long height, long width) {
        return channels == 1 || height * width == 1;
    }

    private static Tensor imageByImage(Tensor input, UnaryOperator<Tensor> op) {
        try (var scope = TensorScope.open()) {
            List<Tensor> results = new ArrayList<>();
            for (long i = 0; i < input.size(0); i++) {
                results.add(op.apply(input.narrow(0, i, 1).contiguous()));
            }
            return scope.keep(Tensor.cat(results, 0));
        }
    }

    private static boolean hasChannelsLastStrides(Tensor input) {
        long[] shape = input.shape();
        long[] channelsLast = {shape[1] * shape[2] * shape[3], 1, shape[3] * shape[1], shape[1]};
        return Arrays.equals(input.strides(), channelsLast);
    }
}
