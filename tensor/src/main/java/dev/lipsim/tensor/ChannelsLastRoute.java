package dev.lipsim.tensor;

import java.util.Arrays;

/**
 * {@link ConvolutionPath#CHANNELS_LAST}: a CPU convolution computed on a channels-last copy of its
 * input and handed back in the caller's layout. Autograd records the copies, so the backward pass
 * runs channels-last too.
 *
 * <p>oneDNN 3.7's channels-last kernels are right on the affected CPUs except for a few kinds of
 * shape, found by the numerics suite (tensor/README.md), which are rewritten here into
 * convolutions that compute the same products and sums: only exact zeros are added, so the
 * result is the same up to the order of float32 additions. Those kinds are a single input or
 * output channel or a single pixel (where channels-last and NCHW are the same memory and oneDNN
 * takes its NCHW kernels), grouped convolutions with one input channel per group and several
 * outputs (or the transposed converse), and grouped dilated ones; and two that crash oneDNN or
 * corrupt its heap: a dilation along a kernel side of one tap, and a transposed convolution's
 * output padding.
 */
final class ChannelsLastRoute {

    private ChannelsLastRoute() {}

    static Tensor compute(ConvolutionGeometry geometry, Tensor input, Tensor weight, Tensor bias) {
        if (!consistent(geometry, input, weight, bias)) {
            return geometry.call(input, weight, bias); // libtorch's own message names the mismatch
        }
        if (input.dim() == 3) {
            try (Tensor batch = input.unsqueeze(0); Tensor result = compute(geometry, batch, weight, bias)) {
                return result.squeeze(0);
            }
        }
        try (var scope = TensorScope.open()) {
            Tensor result = rewritten(geometry, input, weight, bias);
            MemoryFormat callers = hasChannelsLastStrides(input) ? MemoryFormat.CHANNELS_LAST : MemoryFormat.CONTIGUOUS;
            return scope.keep(result.contiguous(callers));
        }
    }

    /** Whether the shapes agree, so that a rewrite cannot turn a call libtorch refuses into one it accepts. */
    private static boolean consistent(ConvolutionGeometry geometry, Tensor input, Tensor weight, Tensor bias) {
        int groups = geometry.groups();
        boolean channels = groups >= 1 && input.size(-3) == geometry.inputChannels(weight) && weight.size(0) % groups == 0
                && input.size(-3) % groups == 0;
        return channels && (bias == null || (bias.dim() == 1 && bias.size(0) == geometry.outputChannels(weight)));
    }

    /** The convolution of a 4-d input, rewritten until no known-wrong kind of shape is left (in a caller's scope). */
    private static Tensor rewritten(ConvolutionGeometry geometry, Tensor x, Tensor weight, Tensor bias) {
        int groups = geometry.groups();
        boolean transposed = geometry.transposed();
        int[] dilation = geometry.dilation();
        if ((weight.size(2) == 1 && dilation[0] > 1) || (weight.size(3) == 1 && dilation[1] > 1)) {
            // A dilation along a kernel side of one tap changes nothing, and crashes oneDNN (SIGSEGV).
            int[] needed = {weight.size(2) == 1 ? 1 : dilation[0], weight.size(3) == 1 ? 1 : dilation[1]};
            return rewritten(geometry.withDilation(needed), x, weight, bias);
        }
        if (groups > 1 && (dilation[0] > 1 || dilation[1] > 1)) {
            return undilated(geometry, x, weight, bias);
        }
        if (groups > 1 && weight.size(1) == 1 && weight.size(0) > groups) {
            int channels = (int) weight.size(0);
            if (!transposed) {
                // One input channel per group, several outputs: a depthwise convolution of each input
                // channel repeated once per output.
                return rewritten(geometry.withGroups(channels), repeatChannels(x, channels / groups), weight, bias);
            }
            // One output channel per group, several inputs: depthwise, then each group's outputs summed.
            Tensor each = rewritten(geometry.withGroups(channels), x, weight, null);
            return withBias(sumChannelGroups(each, groups), bias);
        }
        if (groups == 1 && x.size(1) == 1) {
            // One input channel: add a zero channel, and zero weights for it.
            return rewritten(geometry, padDim(x, 1), padDim(weight, transposed ? 0 : 1), bias);
        }
        if (groups == 1 && geometry.outputChannels(weight) == 1) {
            // One output channel: add a zero filter, then drop its output.
            Tensor two = rewritten(geometry, x, padDim(weight, transposed ? 1 : 0), null);
            return withBias(two.narrow(1, 0, 1), bias);
        }
        if (transposed && (geometry.outputPadding()[0] > 0 || geometry.outputPadding()[1] > 0)) {
            // oneDNN gets an output padding as a negative right padding, and overruns its buffers
            // with it (SIGSEGV, heap corruption); the whole output, cut to the caller's window, needs none.
            return window(geometry, x, weight, bias);
        }
        long outputWidth = geometry.outputSize(x.size(3), weight, 1);
        if (x.size(2) * x.size(3) == 1 || geometry.outputSize(x.size(2), weight, 0) * outputWidth == 1) {
            // One pixel in or out: zero columns on the right widen both; the caller's columns are cut back.
            Tensor wider = x.pad(new long[] {0, geometry.stride()[1]}, PadMode.CONSTANT, 0);
            return rewritten(geometry, wider, weight, bias).narrow(3, 0, outputWidth);
        }
        Tensor channelsLast = hasChannelsLastStrides(x) ? x : Tensor.wrap(Aten.CLONE.call().tensor(x.handle())
                .memoryFormat(MemoryFormat.CHANNELS_LAST.code()).callTensor());
        return geometry.call(channelsLast, weight, bias);
    }

    /** Grouped and dilated: the same kernel undilated, with zeros between its taps. */
    private static Tensor undilated(ConvolutionGeometry geometry, Tensor x, Tensor weight, Tensor bias) {
        return rewritten(geometry.undilated(), x, spreadKernel(weight, geometry.dilation()), bias);
    }

    /** A transposed convolution's whole output, unpadded, and the window of it that the caller asked for. */
    private static Tensor window(ConvolutionGeometry geometry, Tensor x, Tensor weight, Tensor bias) {
        Tensor whole = rewritten(geometry.unpadded(), x, weight, null);
        int[] padding = geometry.padding();
        long height = geometry.outputSize(x.size(2), weight, 0);
        long width = geometry.outputSize(x.size(3), weight, 1);
        Tensor window = whole.pad(new long[] {-padding[1], width + padding[1] - whole.size(3), -padding[0],
                height + padding[0] - whole.size(2)}, PadMode.CONSTANT, 0);
        return withBias(window, bias);
    }

    private static Tensor spreadKernel(Tensor weight, int[] dilation) {
        long[] shape = weight.shape();
        long height = shape[2];
        long width = shape[3];
        return weight.reshape(shape[0], shape[1], height, 1, width, 1)
                .pad(new long[] {0, dilation[1] - 1, 0, 0, 0, dilation[0] - 1}, PadMode.CONSTANT, 0)
                .reshape(shape[0], shape[1], height * dilation[0], width * dilation[1])
                .narrow(2, 0, (height - 1) * dilation[0] + 1).narrow(3, 0, (width - 1) * dilation[1] + 1).contiguous();
    }

    /** {@code x} with each channel repeated {@code times} times in a row: {@code [c0, c0, c1, c1, ...]}. */
    private static Tensor repeatChannels(Tensor x, long times) {
        long[] shape = x.shape();
        return x.unsqueeze(2).expand(shape[0], shape[1], times, shape[2], shape[3])
                .reshape(shape[0], shape[1] * times, shape[2], shape[3]);
    }

    /** The sum of each run of {@code channels / groups} consecutive channels. */
    private static Tensor sumChannelGroups(Tensor y, long groups) {
        long[] shape = y.shape();
        return y.reshape(shape[0], groups, shape[1] / groups, shape[2], shape[3]).sum(2, false);
    }

    /** {@code t} with one zero slice appended along {@code dim} (of four). */
    private static Tensor padDim(Tensor t, int dim) {
        long[] padding = new long[2 * (4 - dim)];
        padding[padding.length - 1] = 1;
        return t.pad(padding, PadMode.CONSTANT, 0);
    }

    private static Tensor withBias(Tensor y, Tensor bias) {
        return bias == null ? y : y.add(bias.view(1, -1, 1, 1));
    }

    private static boolean hasChannelsLastStrides(Tensor x) {
        if (x.dim() != 4) {
            return false;
        }
        long[] shape = x.shape();
        long[] channelsLast = {shape[1] * shape[2] * shape[3], 1, shape[3] * shape[1], shape[1]};
        return Arrays.equals(x.strides(), channelsLast);
    }
}
