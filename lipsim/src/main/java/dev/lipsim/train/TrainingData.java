package dev.lipsim.train;

import dev.lipsim.data.ImageBatches;
import dev.lipsim.distributed.Replicas;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The data of a training run, as epochs of batches in an order fixed by the run's seed. Any
 * position can be reopened ({@link #epoch(long, long)}), which is what makes a resumed run see
 * exactly the batches an uninterrupted one would: nothing about the order lives outside the
 * seed, the epoch and the batch index.
 *
 * @param <I> the items of a batch (triplets, images); the consumer closes each batch
 */
public interface TrainingData<I> {

    /** One pass over an epoch from some batch on; closing it early frees what was prefetched. */
    interface Pass<B> extends Iterator<B>, AutoCloseable {
        @Override
        void close();

        /** A pass over {@code batches}, which closing it closes. */
        static <I> Pass<ImageBatches.Batch<I>> over(ImageBatches<I> batches) {
            Iterator<ImageBatches.Batch<I>> iterator = batches.iterator();
            return new Pass<>() {
                @Override
                public boolean hasNext() {
                    return iterator.hasNext();
                }

                @Override
                public ImageBatches.Batch<I> next() {
                    return iterator.next();
                }

                @Override
                public void close() {
                    batches.close();
                }
            };
        }
    }

    /** Samples per epoch. */
    long samples();

    /** Samples per step over all replicas (the last batch of an epoch may be smaller). */
    int batchSize();

    /** Batches per epoch. */
    default long stepsPerEpoch() {
        return Math.ceilDiv(samples(), batchSize());
    }

    /** This replica's batches of {@code epoch} (0-based) from batch {@code firstBatch} on. */
    Pass<ImageBatches.Batch<I>> epoch(long epoch, long firstBatch);

    /**
     * The part of {@code ordered} (an epoch's items from some global batch on) that one replica
     * trains on: each global batch of {@code perReplica * worldSize} items is cut into consecutive
     * parts, one per replica in rank order, so that together they are the single-process batch. A
     * short last batch is padded with its own first items until every replica has an equal part,
     * as PyTorch's {@code DistributedSampler} pads.
     */
    static <T> List<T> shard(List<T> ordered, int perReplica, Replicas replicas) {
        int world = replicas.worldSize();
        if (world == 1) {
            return ordered;
        }
        List<T> mine = new ArrayList<>();
        for (int start = 0; start < ordered.size(); start += perReplica * world) {
            List<T> global = ordered.subList(start, Math.min(ordered.size(), start + perReplica * world));
            int part = Math.ceilDiv(global.size(), world);
            for (int i = replicas.rank() * part; i < (replicas.rank() + 1) * part; i++) {
                mine.add(global.get(i % global.size()));
            }
        }
        return mine;
    }
}
