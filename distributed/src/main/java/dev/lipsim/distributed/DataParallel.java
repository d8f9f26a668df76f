package dev.lipsim.distributed;

import dev.lipsim.bindings.LibTorch;
import dev.lipsim.nn.Module;
import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Data parallelism as PyTorch's DDP does it: every rank starts from rank 0's parameters and
 * buffers, computes gradients on its own shard of each batch, and before the optimizer step the
 * gradients are combined across ranks, in buckets of flattened gradients of at most
 * {@link #BUCKET_BYTES} rather than one call per tensor (summed, or averaged for a loss that
 * averages over the batch). With equal shards this equals one process training on the whole
 * batch. The ranks are MPI's; the buckets travel over MPI through host memory, or over NCCL in
 * GPU memory ({@link #overNccl}).
 */
public final class DataParallel implements Replicas {

    /** The most bytes reduced in one call (DDP's default bucket is 25 MB). */
    public static final long BUCKET_BYTES = 25L << 20;

    private final Mpi mpi;
    private final Buckets buckets;

    /** Over MPI alone: buckets in host memory. */
    public DataParallel(Mpi mpi) {
        this(mpi, new MpiBuckets(mpi));
    }

    private DataParallel(Mpi mpi, Buckets buckets) {
        this.mpi = mpi;
        this.buckets = buckets;
    }

    /**
     * Buckets over NCCL on CUDA {@code device} (this rank's GPU); the NCCL group's id, the agreed
     * scalars and the arrival notices that name a stalled rank go over MPI.
     */
    public static DataParallel overNccl(Mpi mpi, Device device) {
        Nccl nccl = Nccl.join(mpi.rank(), mpi.size(), device, id -> mpi.broadcast(id, Nccl.UNIQUE_ID_BYTES, 0));
        return new DataParallel(mpi, new NcclBuckets(mpi, nccl));
    }

    /** This rank's GPU: its rank among those on its machine modulo the machine's GPUs, as {@code torchrun}'s {@code LOCAL_RANK}. */
    public static Device localGpu() {
        Device.cuda(0).requireAvailable(); // a clear error where there is none
        return Device.cuda((int) (Mpi.localRank() % LibTorch.load().cudaDeviceCount()));
    }

    /**
     * Gives libtorch this rank's share of the machine's cores, as {@code torchrun} does: ranks
     * whose thread pools together exceed the cores spin against each other (measured: a 4 MB
     * gradient average took 800 times MPI's own all-reduce with two ranks of two threads on two
     * cores). Returns the threads set.
     */
    public int shareCores() {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / Mpi.localSize());
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
        try {
            buckets.close();
        } finally {
            mpi.close();
        }
    }

    /** Overwrites every rank's parameters and buffers with rank 0's. */
    @Override
    public void broadcastFromRankZero(Module module) {
        List<Tensor> values = module.stateDict().values().stream().toList();
        try (var noGrad = Autograd.noGrad()) {
            buckets.exchange("broadcast", () -> forEachBucket(values, buckets::broadcastFromRankZero));
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
            buckets.exchange("gradient all-reduce", () -> forEachBucket(gradients, bucket -> {
                buckets.allReduceSum(bucket);
                if (scale != 1) {
                    bucket.mul_(scale);
                }
            }));
        }
    }

    /** Copies the tensors, bucket by bucket, into a float32 buffer, exchanges it, and copies the result back in place. */
    private void forEachBucket(List<Tensor> tensors, Consumer<Tensor> exchange) {
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

    private void exchange(List<Tensor> bucket, long count, Consumer<Tensor> exchange) {
        try (var scope = TensorScope.open()) {
            Tensor flat = Tensor.empty(new long[] {count}, DType.FLOAT32, buckets.device());
            long offset = 0;
            for (Tensor tensor : bucket) {
                flat.narrow(0, offset, tensor.numel()).copy_(tensor.flatten(0, -1));
                offset += tensor.numel();
            }
            exchange.accept(flat);
            offset = 0;
            for (Tensor tensor : bucket) {
                tensor.copy_(flat.narrow(0, offset, tensor.numel()).reshape(tensor.shape()));
                offset += tensor.numel();
            }
        }
    }

    /** How a bucket (contiguous float32 on {@link #device()}) travels between the ranks, in place. */
    private interface Buckets extends AutoCloseable {
        Device device();

        /** Runs {@code buckets}, which makes the calls below for every bucket of one exchange, to completion. */
        void exchange(String call, Runnable buckets);

        void allReduceSum(Tensor bucket);

        void broadcastFromRankZero(Tensor bucket);

        @Override
        default void close() {}
    }

    /** Over MPI, in host memory (a model on a GPU has its gradients copied over and back); each MPI call is guarded itself. */
    private record MpiBuckets(Mpi mpi) implements Buckets {
        @Override
        public Device device() {
            return Device.CPU;
        }

        @Override
        public void exchange(String call, Runnable buckets) {
            buckets.run();
        }

        @Override
        public void allReduceSum(Tensor bucket) {
            mpi.allReduceSum(bytes(bucket), bucket.numel());
        }

        @Override
        public void broadcastFromRankZero(Tensor bucket) {
            mpi.broadcast(bytes(bucket), bucket.numel() * Float.BYTES, 0);
        }

        private static MemorySegment bytes(Tensor bucket) {
            return bucket.handle().dataPointer().reinterpret(bucket.numel() * Float.BYTES);
        }
    }

    /**
     * Over NCCL, in GPU memory. An exchange runs under MPI's arrival notices and deadline and waits
     * for the device at its end, so that a rank that died inside a collective ends the job rather
     * than hanging it.
     */
    private record NcclBuckets(Mpi mpi, Nccl nccl) implements Buckets {
        @Override
        public Device device() {
            return nccl.device();
        }

        @Override
        public void exchange(String call, Runnable buckets) {
            mpi.guard("NCCL " + call, () -> {
                buckets.run();
                try (var scope = TensorScope.open()) { // a read-back waits for everything queued on the stream
                    Tensor.zeros(new long[] {1}, DType.FLOAT32, nccl.device()).item();
                }
            });
        }

        @Override
        public void allReduceSum(Tensor bucket) {
            nccl.allReduceSum(bucket);
        }

        @Override
        public void broadcastFromRankZero(Tensor bucket) {
            nccl.broadcast(bucket, 0);
        }

        @Override
        public void close() {
            nccl.close();
        }
    }
}
