package dev.lipsim.benchmarks;

import dev.lipsim.distributed.DataParallel;
import dev.lipsim.distributed.Mpi;
import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Gradient all-reduce throughput under {@code mpirun -np N}: for each message size, the MPI
 * library's own {@code MPI_Allreduce} on one native float buffer ({@link Mpi#allReduceSum}), beside
 * {@link DataParallel#sumGradients} (averaging) on gradients of the same total size (16 tensors: copied into
 * 25 MB buckets, reduced, scaled and copied back). Rank 0 prints one line per size: seconds per
 * call (best of REPEATS) and the algorithm bandwidth, bytes reduced per second.
 */
public final class AllReduceBenchmark {

    private AllReduceBenchmark() {}

    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Mpi mpi = Mpi.init();
        DataParallel parallel = new DataParallel(mpi);
        int threads = parallel.shareCores();
        if (mpi.rank() == 0) {
            System.out.printf("%d ranks, %d libtorch threads each; bytes, MPI_Allreduce s, sumGradients s, ours/MPI,"
                    + " MPI GB/s, ours GB/s%n", mpi.size(), threads);
        }
        for (long bytes = 1L << 10; bytes <= 64L << 20; bytes <<= 2) {
            long floats = bytes / Float.BYTES;
            double library;
            double ours;
            try (Arena arena = Arena.ofConfined(); var scope = TensorScope.open()) {
                MemorySegment buffer = arena.allocate(bytes, 64);
                library = best(repeats, mpi, () -> mpi.allReduceSum(buffer, floats));
                List<Parameter> parameters = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    Tensor value = Tensor.ones(new long[] {Math.max(1, floats / 16)}, DType.FLOAT32, Device.CPU).requiresGrad(true);
                    value.sum().backward();
                    parameters.add(Parameter.trainable(value));
                }
                ours = best(repeats, mpi, () -> parallel.sumGradients(parameters, 1.0 / mpi.size()));
                parameters.forEach(p -> p.value().close()); // trainable tensors leave the scope
            }
            if (mpi.rank() == 0) {
                System.out.printf(Locale.ROOT, "%d, %.6f, %.6f, %.2f, %.2f, %.2f%n", bytes, library, ours, ours / library,
                        bytes / library / 1e9, bytes / ours / 1e9);
            }
        }
        mpi.close();
    }

    private static double best(int repeats, Mpi mpi, Runnable call) {
        call.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < repeats; i++) {
            mpi.barrier();
            long start = System.nanoTime();
            call.run();
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
        return best;
    }
}
