package dev.lipsim.benchmarks;

import dev.lipsim.bindings.AtenOp;
import dev.lipsim.bindings.TensorHandle;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
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
 * What the Tensor layer costs over the bindings: {@code a.mul(b)} on 2x2 float32 tensors with the
 * result registered in a scope and freed, or closed directly, against the same op through
 * {@link AtenOp}; and a square float32 matmul through both.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TensorOverheadBenchmark {

    private static final AtenOp MUL = AtenOp.of("aten::mul.Tensor(Tensor self, Tensor other) -> Tensor");
    private static final AtenOp MM = AtenOp.of("aten::mm(Tensor self, Tensor mat2) -> Tensor");

    @Param({"2", "1024"})
    public int size;

    private Tensor a;
    private Tensor b;

    @Setup(Level.Trial)
    public void setUp() {
        a = Tensor.randn(new Generator(1), new long[] {size, size}, DType.FLOAT32, Device.CPU);
        b = Tensor.randn(new Generator(2), new long[] {size, size}, DType.FLOAT32, Device.CPU);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
    }

    @Benchmark
    public void mulInScope() {
        try (TensorScope scope = TensorScope.open()) {
            a.mul(b);
        }
    }

    @Benchmark
    public void mulClosed() {
        try (TensorScope scope = TensorScope.open()) {
            a.mul(b).close();
        }
    }

    @Benchmark
    public void mulAtenOp() {
        MUL.call().tensor(a.handle()).tensor(b.handle()).callTensor().close();
    }

    @Benchmark
    public void matmulInScope() {
        try (TensorScope scope = TensorScope.open()) {
            a.matmul(b);
        }
    }

    @Benchmark
    public void mmAtenOp() {
        try (TensorHandle product = MM.call().tensor(a.handle()).tensor(b.handle()).callTensor()) {
            product.numel();
        }
    }
}
