package dev.lipsim.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lipsim.model.LipSimConfig;
import java.util.List;

/**
 * Everything that defines a distillation run (the paper's step 1), saved as the run's
 * {@code config.json}. Defaults are the reference's.
 *
 * @param dataDir the image folder (the reference's layout, {@code imagenet/train} inside it, or any folder of images)
 * @param teacher {@code ensemble} (DreamSim's, in Java), {@code precomputed} or {@code demo}
 * @param teacherPath for {@code ensemble}: the folder DreamSim's download filled; for {@code precomputed}: the file or
 *     folder {@code lipsim embed --teacher} wrote; null for {@code demo}
 * @param start a checkpoint to continue from, or null for a random initialisation
 * @param model the student's architecture (its embedding size is the teacher's)
 * @param seed seeds the initialisation, the data order and the views
 * @param loss {@code mean} (of the two views' RMSE, the reference's) or {@code sum} (its earlier version)
 * @param warmupSteps steps of linear warm-up before the cosine decay (the reference: 2,000), at most a tenth of the run
 * @param training optimizer, batches, epochs, checkpoints
 * @param trainingImages images in the folder when the run started (a resumed run checks it)
 */
public record DistillConfig(String dataDir, String teacher, String teacherPath, String start, LipSimConfig model,
        long seed, String loss, long warmupSteps, TrainingSettings training, int trainingImages) {

    public static final List<String> TEACHERS = List.of("ensemble", "precomputed", "demo");
    public static final List<String> LOSSES = List.of("mean", "sum");
    public static final long DEFAULT_WARMUP_STEPS = 2000;
    public static final int DEFAULT_EPOCHS = 40;

    public DistillConfig {
        FineTuneConfig.requireOneOf("teacher", teacher, TEACHERS);
        FineTuneConfig.requireOneOf("loss", loss, LOSSES);
        if (dataDir == null || model == null || training == null) {
            throw new IllegalArgumentException("a distillation run needs an image folder, a model and training settings");
        }
        if (!teacher.equals("demo") && teacherPath == null) {
            throw new IllegalArgumentException("the " + teacher + " teacher needs " + (teacher.equals("ensemble")
                    ? "DreamSim's download folder" : "its embeddings (lipsim embed --teacher ...)"));
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmupSteps);
        }
    }

    DistillConfig withModel(LipSimConfig value, int images) {
        return new DistillConfig(dataDir, teacher, teacherPath, start, value, seed, loss, warmupSteps, training, images);
    }

    public String toJson() {
        try {
            return FineTuneConfig.JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static DistillConfig fromJson(String json) {
        try {
            return FineTuneConfig.JSON.readValue(json, DistillConfig.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a distillation configuration: " + e.getOriginalMessage(), e);
        }
    }
}
