package dev.lipsim.train;

/**
 * What one training step did.
 *
 * @param step steps completed, this one included
 * @param totalSteps steps of the whole run
 * @param epoch the epoch this step belongs to (0-based)
 * @param loss the batch's loss
 * @param learningRate the learning rate of this step
 * @param gradientNorm the l2 norm of all gradients together, before any clipping
 * @param samples the samples in the batch
 * @param seconds wall time of the step, loading included
 */
public record StepRecord(long step, long totalSteps, long epoch, double loss, double learningRate, double gradientNorm,
        int samples, double seconds) {}
