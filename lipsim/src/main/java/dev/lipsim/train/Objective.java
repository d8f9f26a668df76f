package dev.lipsim.train;

import dev.lipsim.data.ImageBatches;
import dev.lipsim.tensor.Tensor;

/**
 * What a training step minimises: the loss of one batch, a 0-dim tensor recorded by autograd.
 * The caller owns the batch and the returned loss.
 *
 * @param <I> the items of a batch
 */
@FunctionalInterface
public interface Objective<I> {

    Tensor loss(ImageBatches.Batch<I> batch);

    /**
     * Whether the loss sums over the batch's samples (rather than averaging): data-parallel
     * replicas then sum their gradients instead of averaging them, so that the step is the
     * single-process step on the whole global batch.
     */
    default boolean sumsOverBatch() {
        return false;
    }
}
