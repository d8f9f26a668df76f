package dev.lipsim.tensor;

import dev.lipsim.bindings.OpCall;

/**
 * One 2-d convolution's settings, plain or transposed, and the ATen call that computes it. Shapes
 * follow libtorch: input {@code [N, C, H, W]} (or unbatched {@code [C, H, W]}), weight
 * {@code [out, in / groups, kh, kw]}, or {@code [in, out / groups, kh, kw]} when transposed.
 */
record ConvolutionGeometry(boolean transposed, int[] stride, int[] padding, int[] outputPadding, int[] dilation,
        int groups) {

    static final int[] ONE = {1, 1};
    static final int[] ZERO = {0, 0};

    /** The ATen op on {@code input} as it is; {@code bias} may be null. */
    Tensor call(Tensor input, Tensor weight, Tensor bias) {
        if (transposed) {
            OpCall call = Tensor.optional(Aten.CONV_TRANSPOSE2D_INPUT.call().tensor(input.handle())
                    .tensor(weight.handle()), bias);
            return Tensor.wrap(call.intList(Shapes.toLongs(stride)).intList(Shapes.toLongs(padding))
                    .intList(Shapes.toLongs(outputPadding)).int64(groups).intList(Shapes.toLongs(dilation)).callTensor());
        }
        OpCall call = Tensor.optional(Aten.CONV2D.call().tensor(input.handle()).tensor(weight.handle()), bias);
        return Tensor.wrap(call.intList(Shapes.toLongs(stride)).intList(Shapes.toLongs(padding))
                .intList(Shapes.toLongs(dilation)).int64(groups).callTensor());
    }

    long inputChannels(Tensor weight) {
        return transposed ? weight.size(0) : weight.size(1) * groups;
    }

    long outputChannels(Tensor weight) {
        return transposed ? weight.size(1) * groups : weight.size(0);
    }

    /** The output's size along spatial dimension {@code axis} (0: height, 1: width) for an input of size {@code size}. */
    long outputSize(long size, Tensor weight, int axis) {
        long reach = (long) dilation[axis] * (weight.size(2 + axis) - 1);
        return transposed ? (size - 1) * stride[axis] - 2L * padding[axis] + reach + outputPadding[axis] + 1
                : Math.floorDiv(size + 2L * padding[axis] - reach - 1, stride[axis]) + 1;
    }

    ConvolutionGeometry undilated() {
        return withDilation(ONE);
    }

    ConvolutionGeometry withDilation(int[] taps) {
        return new ConvolutionGeometry(transposed, stride, padding, outputPadding, taps, groups);
    }

    ConvolutionGeometry unpadded() {
        return new ConvolutionGeometry(transposed, stride, ZERO, ZERO, dilation, groups);
    }

    ConvolutionGeometry withGroups(int count) {
        return new ConvolutionGeometry(transposed, stride, padding, outputPadding, dilation, count);
    }
}
