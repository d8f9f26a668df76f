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
 * @param schedule {@code triangular} (the reference's {@code interp}) or {@code cosine}
 * @param training optimizer, batches, epochs, checkpoints
 * @param trainingTriplets triplets in the training data when the run started (a resumed run checks it)
 */
public record FineTuneConfig(String dataset, String dataDir, String start, LipSimConfig model, long seed, String embedding,
        String loss, double margin, String schedule, TrainingSettings training, int trainingTriplets) {

    public static final List<String> DATASETS = List.of("night", "bapps");
    public static final List<String> LOSSES = List.of("hinge", "rmse");
    public static final List<String> SCHEDULES = List.of("triangular", "cosine");
    public static final List<String> EMBEDDINGS = List.of("unit", "append-one");
    public static final int DEFAULT_EPOCHS = 1;

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public FineTuneConfig {
        requireOneOf("dataset", dataset, DATASETS);
        requireOneOf("embedding", embedding, EMBEDDINGS);
        requireOneOf("loss", loss, LOSSES);
        requireOneOf("schedule", schedule, SCHEDULES);
        if (dataDir == null || model == null || training == null) {
            throw new IllegalArgumentException("a fine-tuning run needs a data folder, a model and training settings");
        }
        TrainingSettings.requireFinite("margin", margin);
    }

    static void requireOneOf(String name, String value, List<String> allowed) {
        if (!allowed.contains(value)) {
            throw new IllegalArgumentException(name + " must be one of " + allowed + ", got '" + value + "'");
        }
    }

    FineTuneConfig withModel(LipSimConfig value, int triplets) {
        return new FineTuneConfig(dataset, dataDir, start, value, seed, embedding, loss, margin, schedule, training, triplets);
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
