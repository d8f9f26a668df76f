package dev.lipsim.train;

import dev.lipsim.nn.Parameter;
import dev.lipsim.nn.optim.Adam;
import dev.lipsim.nn.optim.Optimizer;
import java.util.List;

/**
 * What every run shares, whatever it trains: the optimizer, the amount of data, and how
 * checkpoints are kept. Defaults are the reference's.
 *
 * @param optimizer {@code adam} or {@code adamw}
 * @param learningRate the peak learning rate
 * @param beta1 Adam's first-moment decay
 * @param beta2 Adam's second-moment decay
 * @param weightDecay weight decay
 * @param batchSize samples per step, over all data-parallel ranks together
 * @param epochs passes over the data
 * @param checkpointEvery steps between checkpoints
 * @param keepCheckpoints newest checkpoints kept
 * @param clipNorm gradient norm clipping, 0 for none
 */
public record TrainingSettings(String optimizer, double learningRate, double beta1, double beta2, double weightDecay,
        int batchSize, int epochs, long checkpointEvery, int keepCheckpoints, double clipNorm) {

    public static final List<String> OPTIMIZERS = List.of("adam", "adamw");
    public static final double DEFAULT_LEARNING_RATE = 0.01;
    public static final double DEFAULT_BETA1 = 0.5;
    public static final double DEFAULT_BETA2 = 0.9;
    public static final int DEFAULT_BATCH_SIZE = 32;
    public static final long DEFAULT_CHECKPOINT_EVERY = 100;
    public static final int DEFAULT_KEEP_CHECKPOINTS = 3;

    public TrainingSettings {
        if (!OPTIMIZERS.contains(optimizer)) {
            throw new IllegalArgumentException("optimizer must be one of " + OPTIMIZERS + ", got '" + optimizer + "'");
        }
        requireFinite("learning rate", learningRate);
        requireFinite("weight decay", weightDecay);
        requireFinite("clip norm", clipNorm);
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (batchSize < 1 || epochs < 1 || checkpointEvery < 1 || keepCheckpoints < 1) {
            throw new IllegalArgumentException("batch size, epochs, checkpoint interval and checkpoints kept must be at least 1,"
                    + " got " + batchSize + ", " + epochs + ", " + checkpointEvery + ", " + keepCheckpoints);
        }
    }

    static void requireFinite(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
    }

    /** Adam or AdamW over {@code parameters} with these settings. */
    Optimizer optimizer(List<Parameter> parameters) {
        return optimizer.equals("adamw")
                ? Adam.adamW(parameters, learningRate, beta1, beta2, 1e-8, weightDecay)
                : Adam.adam(parameters, learningRate, beta1, beta2, 1e-8, weightDecay);
    }

    TrainingLoop.Settings loop() {
        return new TrainingLoop.Settings(epochs, checkpointEvery, keepCheckpoints, clipNorm);
    }
}
