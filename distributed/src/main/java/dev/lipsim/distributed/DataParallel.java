package dev.lipsim.distributed;

import dev.lipsim.bindings.LibTorch;
import dev.lipsim.nn.Module;
import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Data parallelism as PyTorch's DDP does it, over MPI: every rank starts from rank 0's
 * parameters and buffers, computes gradients on its own shard of each batch, and before the
 * optimizer step the gradients are combined across ranks, in buckets of flattened gradients of
 * at most {@link #BUCKET_BYTES} rather than one call per tensor (summed, or averaged for a loss
 * that averages over the batch). With equal shards this equals one process training on the
 * whole batch.
 */
public final class DataParallel implements Replicas {

    /** The most bytes reduced in one call (DDP's default bucket is 25 MB). */
    public static final long BUCKET_BYTES = 25L << 20;

    private final Mpi mpi;

    public DataParallel(Mpi mpi) {
        this.mpi = mpi;
    }

    /**
     * Gives libtorch this rank's share of the machine's cores, as {@code torchrun} does: ranks
     * whose thread pools together exceed the cores spin against each other (measured: a 4 MB
     * gradient average took 800 times MPI's own all-reduce with two ranks of two threads on two
     * cores). Returns the threads set.
     */
    public int shareCores() {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / mpi.localSize());
        LibTorch.setThreads(threads);
        return threads;
    }

    @Override
    public int rank() {
        return mpi.rank();
    }

    @Override
    public int worldSize() {
        return mpi.size();
    }

    @Override
    public double sum(double value) {
        return mpi.allReduceSum(value);
    }

    @Override
    public boolean anyOf(boolean value) {
        return mpi.allReduceSum(value ? 1 : 0) > 0;
    }

    @Override
    public void close() {
        mpi.close();
    }

    /** Overwrites every rank's parameters and buffers with rank 0's. */
    @Override
    public void broadcastFromRankZero(Module module) {
        List<Tensor> values = module.stateDict().values().stream().toList();
        try (var noGrad = Autograd.noGrad()) {
            forEachBucket(values, (buffer, count) -> mpi.broadcast(buffer.segment(), count * Float.BYTES, 0));
        }
    }

    /**
     * Parameters without a gradient (unused by the forward pass) are left out, so the forward pass
     * must use the same parameters on every rank, as DDP assumes; gradients must be float32.
     */
    @Override
    public void sumGradients(List<Parameter> parameters, double scale) {
        List<Tensor> gradients = parameters.stream().map(p -> p.value().grad()).filter(java.util.Objects::nonNull).toList();
        try (var noGrad = Autograd.noGrad()) {
            forEachBucket(gradients, (buffer, count) -> {
                mpi.allReduceSum(buffer.segment(), count);
                buffer.scale(scale);
            });
        }
    }

    /** What happens to one bucket's flattened values between copying them in and copying them back. */
    @FunctionalInterface
    private interface Exchange {
        void on(Buffer buffer, long count);
    }

    /** A native float32 buffer and a tensor viewing it. */
    private record Buffer(MemorySegment segment, Tensor view) {
        void scale(double factor) {
            view.mul_(factor);
        }
    }

    /** Copies the tensors, bucket by bucket, into a float32 buffer, exchanges it, and copies the result back in place. */
    private static void forEachBucket(List<Tensor> tensors, Exchange exchange) {
        List<Tensor> bucket = new ArrayList<>();
        long count = 0;
        for (Tensor tensor : tensors) {
            if (tensor.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException("data parallelism needs float32 tensors, got " + tensor.dtype());
            }
            if (!bucket.isEmpty() && (count + tensor.numel()) * Float.BYTES > BUCKET_BYTES) {
                exchange(bucket, count, exchange);
                bucket.clear();
                count = 0;
            }
            bucket.add(tensor);
            count += tensor.numel();
        }
        if (!bucket.isEmpty()) {
            exchange(bucket, count, exchange);
        }
    }

    private static void exchange(List<Tensor> bucket, long count, Exchange exchange) {
        try (Arena arena = Arena.ofConfined(); var scope = TensorScope.open()) {
            MemorySegment segment = arena.allocate(count * Float.BYTES, 64);
            Tensor view = Tensor.viewOf(segment, DType.FLOAT32, count);
            long offset = 0;
            for (Tensor tensor : bucket) {
                view.narrow(0, offset, tensor.numel()).copy_(tensor.flatten(0, -1));
                offset += tensor.numel();
            }
            exchange.on(new Buffer(segment, view), count);
            offset = 0;
            for (Tensor tensor : bucket) {
                tensor.copy_(view.narrow(0, offset, tensor.numel()).reshape(tensor.shape()));
                offset += tensor.numel();
            }
        }
    }
}
