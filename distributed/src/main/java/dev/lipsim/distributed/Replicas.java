package dev.lipsim.distributed;

import dev.lipsim.nn.Module;
import dev.lipsim.nn.Parameter;
import java.util.List;

/**
 * The processes that train one model together: what a training loop asks of them. {@link #SINGLE}
 * is one process on its own, where every call is a no-op; {@link DataParallel} is MPI's world.
 */
public interface Replicas extends AutoCloseable {

    int rank();

    int worldSize();

    /** Overwrites every replica's parameters and buffers with rank 0's. */
    void broadcastFromRankZero(Module module);

    /**
     * Replaces each parameter's gradient by its sum over the replicas times {@code scale}: 1 for a
     * loss that sums over the batch, {@code 1 / worldSize()} for one that averages over it, so
     * that the result is the gradient of the loss over the whole global batch.
     */
    void sumGradients(List<Parameter> parameters, double scale);

    /** The sum of {@code value} over the replicas. */
    double sum(double value);

    /** Whether {@code value} is true on any replica (so that all take the same branch). */
    boolean anyOf(boolean value);

    /** Leaves the group (for MPI: finalises it); no collective may follow. */
    @Override
    default void close() {}

    /** One process. */
    Replicas SINGLE = new Replicas() {
        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int worldSize() {
            return 1;
        }

        @Override
        public void broadcastFromRankZero(Module module) {}

        @Override
        public void sumGradients(List<Parameter> parameters, double scale) {
            if (scale != 1) {
                throw new IllegalArgumentException("one process scales nothing, got " + scale);
            }
        }

        @Override
        public double sum(double value) {
            return value;
        }

        @Override
        public boolean anyOf(boolean value) {
            return value;
        }
    };
}
