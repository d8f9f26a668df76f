package dev.lipsim.tensor;

import dev.lipsim.bindings.OpCall;

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
        return compute(path, new ConvolutionGeometry(false, stride, padding, ConvolutionGeometry.ZERO, dilation, groups),
                input, weight, bias);
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
        return compute(path, new ConvolutionGeometry(true, stride, padding, outputPadding, dilation, groups), input,
                weight, bias);
    }

    private static Tensor compute(ConvolutionPath path, ConvolutionGeometry geometry, Tensor input, Tensor weight,
            Tensor bias) {
        boolean rerouted = path == ConvolutionPath.CHANNELS_LAST && (input.dim() == 3 || input.dim() == 4)
                && weight.dim() == 4;
        return rerouted ? ChannelsLastRoute.compute(geometry, input, weight, bias) : geometry.call(input, weight, bias);
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
