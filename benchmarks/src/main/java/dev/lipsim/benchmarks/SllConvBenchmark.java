package dev.lipsim.benchmarks;

import dev.lipsim.nn.Module;
import dev.lipsim.nn.Sequential;
import dev.lipsim.nn.lipschitz.QRescaling;
import dev.lipsim.nn.lipschitz.SllConv2d;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.MemoryFormat;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A stack of SLL convolutions at LipSim 'small' widths (45 channels, inner width 5), batch 8,
 * 224 x 224, float32: forward only, and forward plus backward, in row-major (NCHW) and
 * channels-last (NHWC) layouts.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SllConvBenchmark {

    static final int CHANNELS = 45;
    static final int INNER = 5;
    static final int LAYERS = 4;

    @Param({"CONTIGUOUS", "CHANNELS_LAST"})
    public MemoryFormat layout;

    private Module stack;
    private Tensor input;

    @Setup(Level.Trial)
    public void setUp() {
        Generator generator = new Generator(0);
        List<Module> layers = new ArrayList<>();
        for (int i = 0; i < LAYERS; i++) {
            layers.add(new SllConv2d(CHANNELS, INNER, QRescaling.REFERENCE, generator));
        }
        stack = new Sequential(layers);
        input = TensorScope.release(Tensor.rand(generator, new long[] {8, CHANNELS, 224, 224}, DType.FLOAT32, Device.CPU)
                .contiguous(layout));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stack.close();
        input.close();
    }

    @Benchmark
    public double forward() {
        try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            return stack.forward(input).numel();
        }
    }

    @Benchmark
    public double forwardBackward() {
        try (var scope = TensorScope.open()) {
            stack.forward(input).mean().backward();
            stack.zeroGrad();
            return 0;
        }
    }

    /** Floating-point operations of one forward pass: two 3x3 convolutions per layer. */
    static double forwardFlops() {
        double perConvolution = 2.0 * 8 * 224 * 224 * CHANNELS * INNER * 9;
        return LAYERS * 2 * perConvolution;
    }
}
