package dev.lipsim.train;

import dev.lipsim.data.ImageBatches;
import java.util.Iterator;

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

    /** Samples per batch (the last batch of an epoch may be smaller). */
    int batchSize();

    /** Batches per epoch. */
    default long stepsPerEpoch() {
        return Math.ceilDiv(samples(), batchSize());
    }

    /** The batches of {@code epoch} (0-based) from batch {@code firstBatch} on. */
    Pass<ImageBatches.Batch<I>> epoch(long epoch, long firstBatch);
}
