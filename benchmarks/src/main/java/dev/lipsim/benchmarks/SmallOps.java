package dev.lipsim.benchmarks;

import dev.lipsim.bindings.Dispatch;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.MemoryFormat;
import dev.lipsim.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The cost of one small op through the Tensor API, result closed after use: the same ops and
 * shapes as {@code benchmarks/pytorch/small_ops.py}, run by {@code benchmarks/small-ops} with
 * {@code -Dlipsim.dispatch=unboxed} and {@code =boxed}. Prints one JSON line per op with the
 * best of several timed rounds, in nanoseconds per op.
 */
public final class SmallOps {

    private static final int WARMUP = 300_000;
    private static final int ROUNDS = 7;
    private static final int PER_ROUND = 200_000;

    private SmallOps() {}

    public static void main(String[] args) {
        Tensor a = Tensor.randn(new Generator(1), new long[] {2, 2}, DType.FLOAT32, Device.CPU);
        Tensor b = Tensor.randn(new Generator(2), new long[] {2, 2}, DType.FLOAT32, Device.CPU);
        Tensor x = Tensor.randn(new Generator(3), new long[] {1, 2, 2, 2}, DType.FLOAT32, Device.CPU);
        Tensor y = Tensor.randn(new Generator(4), new long[] {1, 2, 2, 2}, DType.FLOAT32, Device.CPU);
        Tensor xLast = x.contiguous(MemoryFormat.CHANNELS_LAST);
        Tensor yLast = y.contiguous(MemoryFormat.CHANNELS_LAST);
        Map<String, Supplier<Tensor>> ops = new LinkedHashMap<>();
        ops.put("mul 2x2", () -> a.mul(b));
        ops.put("mul 1x2x2x2 nchw", () -> x.mul(y));
        ops.put("mul 1x2x2x2 channels-last", () -> xLast.mul(yLast));
        ops.put("add 2x2", () -> a.add(b));
        ops.put("exp 2x2", a::exp);
        ops.put("relu 2x2", a::relu);
        ops.put("sum 2x2", a::sum);
        ops.put("matmul 2x2", () -> a.matmul(b));
        ops.put("transpose 2x2", () -> a.transpose(0, 1));
        ops.put("reshape 2x2 to 4", () -> a.reshape(4));
        ops.put("select row of 2x2", () -> a.select(0, 1));
        // at the unboxed path's size limit (65,536 elements), and over it (boxed after the check)
        Tensor c = Tensor.randn(new Generator(5), new long[] {256, 256}, DType.FLOAT32, Device.CPU);
        Tensor d = Tensor.randn(new Generator(6), new long[] {512, 512}, DType.FLOAT32, Device.CPU);
        ops.put("mul 256x256", () -> c.mul(c));
        ops.put("mul 512x512", () -> d.mul(d));
        String impl = "java " + System.getProperty(Dispatch.PROPERTY, "unboxed");
        for (var op : ops.entrySet()) {
            int scale = op.getKey().contains("x256") || op.getKey().contains("x512") ? 100 : 1;
            System.out.printf("{\"impl\": \"%s\", \"op\": \"%s\", \"ns\": %.1f}%n", impl, op.getKey(),
                    best(op.getValue(), scale));
        }
    }

    /** Best time per op over the rounds; {@code scale} divides the iteration counts for larger ops. */
    private static double best(Supplier<Tensor> op, int scale) {
        for (int i = 0; i < WARMUP / scale; i++) {
            op.get().close();
        }
        int perRound = PER_ROUND / scale;
        double best = Double.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            long start = System.nanoTime();
            for (int i = 0; i < perRound; i++) {
                op.get().close();
            }
            best = Math.min(best, (System.nanoTime() - start) / (double) perRound);
        }
        return best;
    }
}
