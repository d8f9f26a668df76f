package dev.lipsim.tensor;

import dev.lipsim.bindings.OpCall;
import java.util.function.IntToLongFunction;
import java.util.function.UnaryOperator;

/**
 * Convolutions and pooling: argument checks, then the ATen ops. Floating-point convolutions on
 * the CPU go the way {@link CpuConvolutions} chose for this machine.
 */
final class Convolution {

    private Convolution() {}

    static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return conv2d(CpuConvolutions.pathFor(input), input, weight, bias, stride, padding, dilation, groups);
    }

    static Tensor conv2d(ConvolutionPath path, Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
            int[] dilation, int groups) {
        requireGeometry(stride, padding, dilation);
        UnaryOperator<Tensor> op = x -> {
            OpCall call = Tensor.optional(Aten.CONV2D.call().tensor(x.handle()).tensor(weight.handle()), bias);
            return Tensor.wrap(call.intList(Shapes.toLongs(stride)).intList(Shapes.toLongs(padding))
                    .intList(Shapes.toLongs(dilation)).int64(groups).callTensor());
        };
        if (!ChannelsLastRoute.applies(path, input, weight)) {
            return op.apply(input);
        }
        IntToLongFunction outputSize = d -> (input.size(d - 4) + 2L * padding[d - 2]
                - (long) dilation[d - 2] * (weight.size(d) - 1) - 1) / stride[d - 2] + 1;
        return ChannelsLastRoute.apply(input, weight.size(0), outputSize, op);
    }

    static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
            int[] outputPadding, int[] dilation, int groups) {
        return convTranspose2d(CpuConvolutions.pathFor(input), input, weight, bias, stride, padding, outputPadding,
                dilation, groups);
    }

    static Tensor convTranspose2d(ConvolutionPath path, Tensor input, Tensor weight, Tensor bias, int[] stride,
            int[] padding, int[] outputPadding, int[] dilation, int groups) {
        requireGeometry(stride, padding, dilation);
        Shapes.requirePairs("output padding", outputPadding);
        UnaryOperator<Tensor> op = x -> {
            OpCall call = Tensor.optional(Aten.CONV_TRANSPOSE2D_INPUT.call().tensor(x.handle()).tensor(weight.handle()),
                    bias);
            return Tensor.wrap(call.intList(Shapes.toLongs(stride)).intList(Shapes.toLongs(padding))
                    .intList(Shapes.toLongs(outputPadding)).int64(groups).intList(Shapes.toLongs(dilation)).callTensor());
        };
        if (!ChannelsLastRoute.applies(path, input, weight)) {
            return op.apply(input);
        }
        IntToLongFunction outputSize = d -> (input.size(d - 4) - 1) * stride[d - 2] - 2L * padding[d - 2]
                + (long) dilation[d - 2] * (weight.size(d) - 1) + outputPadding[d - 2] + 1;
        return ChannelsLastRoute.apply(input, weight.size(1) * groups, outputSize, op);
    }

    static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
            boolean countIncludePad, Integer divisorOverride) {
        Shapes.requirePairs("kernel", kernel);
        Shapes.requirePairs("stride", stride);
        Shapes.requirePairs("padding", padding);
        if (divisorOverride != null && divisorOverride <= 0) {
            throw new IllegalArgumentException("divisor override must be positive, got " + divisorOverride);
        }
        OpCall call = Aten.AVG_POOL2D.call().tensor(input.handle()).intList(Shapes.toLongs(kernel))
                .intList(Shapes.toLongs(stride)).intList(Shapes.toLongs(padding)).bool(ceilMode).bool(countIncludePad);
        return Tensor.wrap((divisorOverride == null ? call.none() : call.int64(divisorOverride)).callTensor());
    }

    static Tensor maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        Shapes.requirePairs("kernel", kernel);
        requireGeometry(stride, padding, dilation);
        return Tensor.wrap(Aten.MAX_POOL2D.call().tensor(input.handle()).intList(Shapes.toLongs(kernel))
                .intList(Shapes.toLongs(stride)).intList(Shapes.toLongs(padding)).intList(Shapes.toLongs(dilation))
                .bool(ceilMode).callTensor());
    }

    private static void requireGeometry(int[] stride, int[] padding, int[] dilation) {
        Shapes.requirePairs("stride", stride);
        Shapes.requirePairs("padding", padding);
        Shapes.requirePairs("dilation", dilation);
    }
}
