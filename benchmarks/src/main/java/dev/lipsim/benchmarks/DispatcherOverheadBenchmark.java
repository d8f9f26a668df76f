package dev.lipsim.benchmarks;

import dev.lipsim.bindings.AbiCodes;
import dev.lipsim.bindings.AtenOp;
import dev.lipsim.bindings.ShimOps;
import dev.lipsim.bindings.TensorHandle;
import dev.lipsim.bindings.ffm.TorchC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A 2x2 float32 {@code aten::mul.Tensor}: the raw {@code torch_call_dispatcher} call with its
 * handle juggling (fresh argument handles, delete the result), against the same call through
 * the typed call layer ({@link AtenOp}), which adds schema checks, ownership logging and a
 * {@link TensorHandle} for the result.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DispatcherOverheadBenchmark {

    private static final AtenOp MUL = AtenOp.of("aten::mul.Tensor(Tensor self, Tensor other) -> Tensor");
    private static final long VERSION = 0x020A_0000_0000_0000L;

    private TensorHandle a;
    private TensorHandle b;
    private Arena arena;
    private MemorySegment stack;
    private MemorySegment out;
    private MemorySegment name;
    private MemorySegment overload;

    @Setup(Level.Trial)
    public void setUp() {
        int float32 = AbiCodes.dtype("float32");
        int cpu = AbiCodes.deviceType("cpu");
        a = ShimOps.full(new long[] {2, 2}, 1.5, float32, cpu, 0);
        b = ShimOps.full(new long[] {2, 2}, 2.0, float32, cpu, 0);
        arena = Arena.ofConfined();
        stack = arena.allocate(ValueLayout.JAVA_LONG, 2);
        out = arena.allocate(ValueLayout.ADDRESS);
        name = arena.allocateFrom("aten::mul");
        overload = arena.allocateFrom("Tensor");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
        arena.close();
    }

    @Benchmark
    public void rawDispatcher() {
        TorchC.aoti_torch_new_tensor_handle(a.segment(), out);
        stack.setAtIndex(ValueLayout.ADDRESS, 0, out.get(ValueLayout.ADDRESS, 0));
        TorchC.aoti_torch_new_tensor_handle(b.segment(), out);
        stack.setAtIndex(ValueLayout.ADDRESS, 1, out.get(ValueLayout.ADDRESS, 0));
        if (TorchC.torch_call_dispatcher(name, overload, stack, VERSION) != 0) {
            throw new IllegalStateException("mul failed");
        }
        TorchC.aoti_torch_delete_tensor_object(stack.getAtIndex(ValueLayout.ADDRESS, 0));
    }

    @Benchmark
    public void callLayer() {
        MUL.call().tensor(a).tensor(b).callTensor().close();
    }
}
