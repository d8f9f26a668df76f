package dev.lipsim.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lipsim.model.LipSimConfig;
import java.util.List;

/**
 * Everything that defines a fine-tuning run (the paper's step 2), saved as the run's
 * {@code config.json}. Defaults are the reference's.
 *
 * @param dataset {@code night} (NIGHT or a set in its layout, such as the synthetic one) or {@code bapps}
 * @param dataDir the dataset's root
 * @param start the checkpoint to start from (ours or the reference's {@code .pth}), or null for a random initialisation
 * @param model the architecture (for a checkpoint, the one it holds)
 * @param seed seeds the initialisation and the data order
 * @param embedding {@code unit} or {@code append-one} (the reference's {@code --requires_bias})
 * @param loss {@code hinge} (the paper's) or {@code rmse} (the reference's default)
 * @param margin the hinge margin
 * @param optimizer {@code adam} or {@code adamw}
 * @param learningRate the peak learning rate
 * @param beta1 Adam's first-moment decay
 * @param beta2 Adam's second-moment decay
 * @param weightDecay weight decay
 * @param schedule {@code triangular} (the reference's {@code interp}) or {@code cosine}
 * @param batchSize triplets per step
 * @param epochs passes over the training triplets
 * @param checkpointEvery steps between checkpoints
 * @param keepCheckpoints newest checkpoints kept
 * @param clipNorm gradient norm clipping, 0 for none
 * @param trainingTriplets triplets in the training data when the run started (a resumed run checks it)
 */
public record FineTuneConfig(String dataset, String dataDir, String start, LipSimConfig model, long seed, String embedding,
        String loss, double margin, String optimizer, double learningRate, double beta1, double beta2, double weightDecay,
        String schedule, int batchSize, int epochs, long checkpointEvery, int keepCheckpoints, double clipNorm,
        int trainingTriplets) {

    public static final List<String> DATASETS = List.of("night", "bapps");
    public static final List<String> LOSSES = List.of("hinge", "rmse");
    public static final List<String> OPTIMIZERS = List.of("adam", "adamw");
    public static final List<String> SCHEDULES = List.of("triangular", "cosine");
    public static final List<String> EMBEDDINGS = List.of("unit", "append-one");
    public static final double DEFAULT_LEARNING_RATE = 0.01;
    public static final double DEFAULT_BETA1 = 0.5;
    public static final double DEFAULT_BETA2 = 0.9;
    public static final int DEFAULT_BATCH_SIZE = 32;
    public static final int DEFAULT_EPOCHS = 1;
    public static final long DEFAULT_CHECKPOINT_EVERY = 100;
    public static final int DEFAULT_KEEP_CHECKPOINTS = 3;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public FineTuneConfig {
        requireOneOf("dataset", dataset, DATASETS);
        requireOneOf("embedding", embedding, EMBEDDINGS);
        requireOneOf("loss", loss, LOSSES);
        requireOneOf("optimizer", optimizer, OPTIMIZERS);
        requireOneOf("schedule", schedule, SCHEDULES);
        if (dataDir == null || model == null) {
            throw new IllegalArgumentException("a fine-tuning run needs a data folder and a model");
        }
        requireFinite("margin", margin, 0);
        requireFinite("learning rate", learningRate, 0);
        requireFinite("weight decay", weightDecay, 0);
        requireFinite("clip norm", clipNorm, 0);
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (batchSize < 1 || epochs < 1 || checkpointEvery < 1 || keepCheckpoints < 1) {
            throw new IllegalArgumentException("batch size, epochs, checkpoint interval and checkpoints kept must be at least 1,"
                    + " got " + batchSize + ", " + epochs + ", " + checkpointEvery + ", " + keepCheckpoints);
        }
    }

    private static void requireOneOf(String name, String value, List<String> allowed) {
        if (!allowed.contains(value)) {
            throw new IllegalArgumentException(name + " must be one of " + allowed + ", got '" + value + "'");
        }
    }

    private static void requireFinite(String name, double value, double min) {
        if (!(value >= min) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and >= " + min + ", got " + value);
        }
    }

    FineTuneConfig withModel(LipSimConfig value, int triplets) {
        return new FineTuneConfig(dataset, dataDir, start, value, seed, embedding, loss, margin, optimizer, learningRate, beta1,
                beta2, weightDecay, schedule, batchSize, epochs, checkpointEvery, keepCheckpoints, clipNorm, triplets);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static FineTuneConfig fromJson(String json) {
        try {
            return JSON.readValue(json, FineTuneConfig.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a fine-tuning configuration: " + e.getOriginalMessage(), e);
        }
    }
}
