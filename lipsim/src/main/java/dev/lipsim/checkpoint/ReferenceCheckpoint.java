package dev.lipsim.checkpoint;

import dev.lipsim.model.LipSimConfig;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Imports checkpoints of the reference implementation: {@code model.ckpt-<step>.pth} files
 * holding {@code model_state_dict}, {@code optimizer_state_dict}, {@code epoch} and
 * {@code global_step}, or a bare state dict. The architecture is read off the tensor shapes;
 * the embedding size, which the weights do not fix, comes from the caller.
 */
public final class ReferenceCheckpoint {

    private ReferenceCheckpoint() {}

    /** Reads {@code file}; the model gets the first {@code embeddingDim} features as embeddings. */
    public static LoadedCheckpoint load(Path file, int embeddingDim) throws IOException {
        try (var scope = TensorScope.open()) {
            Object root = PthFile.read(file);
            LipSimModel model = model(tensors(modelState(root, file), file), embeddingDim, file);
            Map<String, Tensor> optimizer;
            try {
                optimizer = optimizerState(root, model, file);
            } catch (IOException | RuntimeException e) {
                model.close();
                throw e;
            }
            optimizer.values().forEach(TensorScope::release);
            return new LoadedCheckpoint(model, optimizer, number(root, "global_step"), number(root, "epoch"),
                    file + " (reference .pth)");
        }
    }

    /**
     * The model a state dict in the reference's key layout holds (with or without the
     * {@code module.} and {@code model.} wrappers and the duplicated {@code base.} keys), its
     * architecture read off the tensor shapes; {@code file} names it in errors.
     */
    static LipSimModel model(Map<String, Tensor> referenceState, int embeddingDim, Path file) throws IOException {
        Map<String, Tensor> state = ReferenceKeys.normalize(referenceState);
        LipSimConfig config;
        try {
            config = inferConfig(state, embeddingDim);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " does not hold a LipSim model: " + e.getMessage(), e);
        }
        return Checkpoint.modelWith(config, state, file);
    }

    /** The architecture that the convolution and linear weights imply. */
    static LipSimConfig inferConfig(Map<String, Tensor> state, int embeddingDim) {
        int depth = count(state, "convs.%d.kernel", 0);
        int linearDepth = count(state, "linear.%d.weight", 1);
        if (depth == 0 || linearDepth == 0) {
            throw new IllegalArgumentException("no convs.0.kernel or linear.1.weight among its " + state.size() + " keys ("
                    + String.join(", ", state.keySet().stream().limit(5).toList()) + (state.size() > 5 ? ", ..." : "") + ")");
        }
        long[] kernel = state.get("convs.0.kernel").shape();
        long[] weight = state.get("linear.1.weight").shape();
        int channels = (int) kernel[1];
        int side = (int) Math.round(Math.sqrt((double) weight[1] / channels));
        if ((long) side * side * channels != weight[1]) {
            throw new IllegalArgumentException("linear.1.weight has " + weight[1] + " inputs, not channels x a square grid");
        }
        return new LipSimConfig(depth, channels, (int) kernel[0], linearDepth, (int) weight[0], embeddingDim, side * 16);
    }

    private static int count(Map<String, Tensor> state, String pattern, int first) {
        int n = 0;
        while (state.containsKey(pattern.formatted(first + n))) {
            n++;
        }
        return n;
    }

    private static Object modelState(Object root, Path file) throws IOException {
        if (root instanceof Map<?, ?> map && map.containsKey("model_state_dict")) {
            return map.get("model_state_dict");
        }
        if (root instanceof Map<?, ?>) {
            return root;
        }
        throw new IOException(file + " holds neither a state dict nor a dict with model_state_dict");
    }

    private static Map<String, Tensor> tensors(Object state, Path file) throws IOException {
        if (!(state instanceof Map<?, ?> map)) {
            throw new IOException(file + ": model_state_dict is not a dict");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (var entry : map.entrySet()) {
            if (entry.getKey() instanceof String name && entry.getValue() instanceof Tensor tensor) {
                tensors.put(name, tensor);
            }
        }
        return tensors;
    }

    /**
     * Adam state by parameter index. The reference optimizes its parameters in registration
     * order, which is this model's order; shapes are checked to be sure.
     */
    private static Map<String, Tensor> optimizerState(Object root, LipSimModel model, Path file) throws IOException {
        Map<String, Tensor> result = new LinkedHashMap<>();
        if (!(root instanceof Map<?, ?> map) || !(map.get("optimizer_state_dict") instanceof Map<?, ?> optimizer)
                || !(optimizer.get("state") instanceof Map<?, ?> perParameter)) {
            return result;
        }
        List<Tensor> parameters = new ArrayList<>();
        model.parameters().forEach(p -> parameters.add(p.value()));
        for (var entry : perParameter.entrySet()) {
            int index = entry.getKey() instanceof Number number ? number.intValue() : -1;
            if (index < 0 || index >= parameters.size() || !(entry.getValue() instanceof Map<?, ?> values)) {
                String which = entry.getKey() instanceof Number number ? number.toString() : "(a key that is not a number)";
                throw new IOException(file + ": optimizer state for parameter " + which + " does not fit the model's "
                        + parameters.size() + " parameters");
            }
            for (var value : values.entrySet()) {
                if (value.getKey() instanceof String name && value.getValue() instanceof Tensor tensor) {
                    if (!name.equals("step") && !java.util.Arrays.equals(tensor.shape(), parameters.get(index).shape())) {
                        throw new IOException(file + ": optimizer state " + index + "." + name + " has shape "
                                + java.util.Arrays.toString(tensor.shape()) + ", its parameter "
                                + java.util.Arrays.toString(parameters.get(index).shape()));
                    }
                    result.put(index + "." + name, tensor);
                }
            }
        }
        return result;
    }

    private static long number(Object root, String key) {
        return root instanceof Map<?, ?> map && map.get(key) instanceof Number n ? n.longValue() : -1;
    }
}
