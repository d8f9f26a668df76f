package dev.lipsim.tensor;

import dev.lipsim.bindings.LibTorch;
import java.util.ArrayList;
import java.util.List;

/**
 * The probes behind {@link CpuConvolutions#check()}: one shape of each kind that the numerics
 * suite found wrong somewhere (channel counts that are not multiples of 16, one channel or one
 * pixel, grouped convolutions with one channel per group on one side, grouped dilated ones),
 * plain and transposed, each with its input and weight gradients.
 */
final class ConvolutionSelfCheck {

    private record Shape(String name, boolean transposed, int in, int out, int groups, int kernel, int dilation,
            int height, int width) {}

    private static final List<Shape> SHAPES = List.of(
            new Shape("conv2d 17->17", false, 17, 17, 1, 3, 1, 6, 5),
            new Shape("conv2d 3->3", false, 3, 3, 1, 3, 1, 6, 5),
            new Shape("conv_transpose2d 3->3", true, 3, 3, 1, 3, 1, 6, 5),
            new Shape("conv_transpose2d 17->17", true, 17, 17, 1, 3, 1, 6, 5),
            new Shape("conv2d 1->17", false, 1, 17, 1, 3, 1, 6, 5),
            new Shape("conv2d 17->1, kernel 4", false, 17, 1, 1, 4, 1, 6, 5),
            new Shape("conv2d 5->5 on one pixel, kernel 4", false, 5, 5, 1, 4, 1, 1, 1),
            new Shape("conv2d 2->4, groups 2", false, 2, 4, 2, 3, 1, 6, 5),
            new Shape("conv_transpose2d 4->2, groups 2", true, 4, 2, 2, 3, 1, 6, 5),
            new Shape("conv2d 4->4, groups 4, dilation 2", false, 4, 4, 4, 3, 2, 6, 5));

    private ConvolutionSelfCheck() {}

    static ConvolutionCheck run() {
        long start = System.nanoTime();
        List<ConvolutionCheck.Trial> trials = new ArrayList<>();
        ConvolutionPath chosen = null;
        for (ConvolutionPath path : ConvolutionPath.values()) {
            LibTorch.enableOneDnn(path != ConvolutionPath.WITHOUT_ONEDNN);
            ConvolutionCheck.Trial trial = trial(path);
            trials.add(trial);
            if (trial.correct()) {
                chosen = path;
                break;
            }
        }
        return new ConvolutionCheck(chosen, trials, System.nanoTime() - start);
    }

    private static ConvolutionCheck.Trial trial(ConvolutionPath path) {
        List<ConvolutionCheck.Probe> probes = new ArrayList<>();
        for (Shape shape : SHAPES) {
            probes.add(probe(path, shape, MemoryFormat.CONTIGUOUS));
            if (path != ConvolutionPath.CHANNELS_LAST) {
                probes.add(probe(path, shape, MemoryFormat.CHANNELS_LAST));
            }
        }
        return new ConvolutionCheck.Trial(path, probes);
    }

    private static ConvolutionCheck.Probe probe(ConvolutionPath path, Shape shape, MemoryFormat layout) {
        try (var scope = TensorScope.open(); var grad = Autograd.enableGrad()) {
            Generator generator = new Generator(shape.in * 31L + shape.out);
            long[] weightShape = shape.transposed ? new long[] {shape.in, shape.out / shape.groups, shape.kernel, shape.kernel}
                    : new long[] {shape.out, shape.in / shape.groups, shape.kernel, shape.kernel};
            Tensor x = Tensor.randn(generator, new long[] {2, shape.in, shape.height, shape.width}, DType.FLOAT32,
                    Device.CPU);
            Tensor w = Tensor.randn(generator, weightShape, DType.FLOAT32, Device.CPU);
            Tensor x32 = x.contiguous(layout).detach().requiresGrad(true);
            Tensor w32 = w.detach().requiresGrad(true);
            Tensor x64 = x.to(DType.FLOAT64).requiresGrad(true);
            Tensor w64 = w.to(DType.FLOAT64).requiresGrad(true);
            Tensor y32 = apply(path, shape, x32, w32);
            Tensor y64 = apply(ConvolutionPath.CALLER_LAYOUT, shape, x64, w64);
            Tensor gradient = Tensor.randn(generator, y64.shape(), DType.FLOAT32, Device.CPU);
            y32.backward(gradient.contiguous(layout));
            y64.backward(gradient.to(DType.FLOAT64));
            String name = shape.name + (path == ConvolutionPath.CHANNELS_LAST ? "" : layout == MemoryFormat.CONTIGUOUS
                    ? ", NCHW" : ", channels-last");
            return new ConvolutionCheck.Probe(name, relativeError(y32, y64), relativeError(x32.grad(), x64.grad()),
                    relativeError(w32.grad(), w64.grad()));
        }
    }

    private static Tensor apply(ConvolutionPath path, Shape shape, Tensor x, Tensor w) {
        int[] one = {1, 1};
        int[] padding = {shape.kernel / 2, shape.kernel / 2};
        int[] dilation = {shape.dilation, shape.dilation};
        return shape.transposed
                ? Convolution.convTranspose2d(path, x, w, null, one, padding, new int[] {0, 0}, dilation, shape.groups)
                : Convolution.conv2d(path, x, w, null, one, padding, dilation, shape.groups);
    }

    /** {@code ||a - b|| / ||b||} with {@code a} float32 and {@code b} float64; NaN if {@code a} holds NaN. */
    private static double relativeError(Tensor a, Tensor b) {
        try (var scope = TensorScope.open()) {
            return a.to(DType.FLOAT64).sub(b).norm().item() / b.norm().item();
        }
    }
}
