package dev.lipsim.checkpoint;

import dev.lipsim.model.LipSimConfig;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.nn.optim.Optimizer;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * This project's checkpoint format: one safetensors file holding the model's state under
 * {@code model.*}, optionally the optimizer's under {@code optimizer.*}, and in its metadata the
 * model configuration as JSON ({@code lipsim.config}), so a checkpoint is self-describing.
 * Written atomically. {@link #load} also accepts the reference's {@code .pth} files.
 */
public final class Checkpoint {

    static final String CONFIG = "lipsim.config";
    static final String FORMAT = "lipsim.format";
    static final String STEP = "lipsim.step";
    static final String EPOCH = "lipsim.epoch";
    private static final String MODEL_PREFIX = "model.";
    private static final String OPTIMIZER_PREFIX = "optimizer.";

    private Checkpoint() {}

    /** Writes the model (and the optimizer's state, if not null) to {@code file}. */
    public static void save(Path file, LipSimModel model, Optimizer optimizer, long step, long epoch) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((name, tensor) -> tensors.put(MODEL_PREFIX + name, tensor));
        if (optimizer != null) {
            optimizer.stateDict().forEach((name, tensor) -> tensors.put(OPTIMIZER_PREFIX + name, tensor));
        }
        SafeTensors.write(file, tensors, Map.of(CONFIG, model.config().toJson(), FORMAT, "1", STEP, Long.toString(step),
                EPOCH, Long.toString(epoch)));
    }

    /**
     * Loads a checkpoint: ours ({@code .safetensors} with our metadata), the reference's
     * ({@code .pth}), or a reference state dict converted to a bare {@code .safetensors}. The
     * reference's weights do not fix the embedding size; it is {@code referenceEmbeddingDim}.
     */
    public static LoadedCheckpoint load(Path file, int referenceEmbeddingDim) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".pth") || name.endsWith(".pt")) {
            return ReferenceCheckpoint.load(file, referenceEmbeddingDim);
        }
        if (!name.endsWith(".safetensors")) {
            throw new IOException(file + ": unknown checkpoint type; expected .safetensors or .pth");
        }
        try (var scope = TensorScope.open()) {
            SafeTensors.Contents contents = SafeTensors.read(file);
            String json = contents.metadata().get(CONFIG);
            if (json == null) { // what safetensors.torch.save_file(checkpoint["model_state_dict"], ...) writes
                LipSimModel model = ReferenceCheckpoint.model(contents.tensors(), referenceEmbeddingDim, file);
                return new LoadedCheckpoint(model, Map.of(), -1, -1, file + " (reference state dict, safetensors)");
            }
            LipSimConfig config;
            try {
                config = LipSimConfig.fromJson(json);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
            Map<String, Tensor> modelState = new LinkedHashMap<>();
            Map<String, Tensor> optimizerState = new LinkedHashMap<>();
            contents.tensors().forEach((key, tensor) -> {
                if (key.startsWith(MODEL_PREFIX)) {
                    modelState.put(key.substring(MODEL_PREFIX.length()), tensor);
                } else if (key.startsWith(OPTIMIZER_PREFIX)) {
                    optimizerState.put(key.substring(OPTIMIZER_PREFIX.length()), TensorScope.release(tensor));
                }
            });
            LipSimModel model = modelWith(config, modelState, file);
            return new LoadedCheckpoint(model, optimizerState, parse(contents.metadata().get(STEP)),
                    parse(contents.metadata().get(EPOCH)), file + " (LipSim safetensors)");
        }
    }

    /**
     * Whether weights that are NaN or infinite are loaded (with a warning on stderr) rather than
     * refused: {@code -Dlipsim.allowNonFiniteWeights=true}, or {@code --allow-non-finite-weights}.
     * Such a model's outputs are still checked ({@link dev.lipsim.metric.LipSim#features}).
     */
    public static final String ALLOW_NON_FINITE = "lipsim.allowNonFiniteWeights";

    /** A model of {@code config} holding {@code state}, loaded strictly; a mismatch names {@code file}. */
    static LipSimModel modelWith(LipSimConfig config, Map<String, Tensor> state, Path file) throws IOException {
        for (var entry : state.entrySet()) {
            try (var scope = TensorScope.open()) {
                Tensor values = entry.getValue();
                if (values.dtype().isFloatingPoint() && values.isFinite().logicalNot().sum().item() > 0) {
                    String problem = file + ": the weights '" + entry.getKey() + "' hold NaN or infinite values";
                    if (!Boolean.getBoolean(ALLOW_NON_FINITE)) {
                        throw new IOException(problem + "; refused (--allow-non-finite-weights loads them anyway)");
                    }
                    System.err.println("warning: " + problem + "; loaded as asked");
                }
            }
        }
        LipSimModel model;
        try {
            model = new LipSimModel(config, new Generator(0));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        try {
            model.loadStateDict(state);
            return model;
        } catch (IllegalArgumentException e) {
            model.close();
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static long parse(String value) {
        try {
            return value == null ? -1 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
