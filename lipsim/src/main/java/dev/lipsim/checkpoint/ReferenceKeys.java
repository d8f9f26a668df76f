package dev.lipsim.checkpoint;

import dev.lipsim.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Maps the reference implementation's state-dict keys to this model's: the data-parallel
 * wrapper ({@code module.} or {@code module.backbone.}) and the normalising wrapper
 * ({@code model.}) are stripped; the duplicated {@code base.*} registration of the same tensors
 * and keys containing {@code alpha} (dropped by the reference loader too) are skipped. Plain
 * names pass through unchanged.
 */
final class ReferenceKeys {

    private ReferenceKeys() {}

    static Map<String, Tensor> normalize(Map<String, Tensor> state) {
        Map<String, Tensor> normalized = new LinkedHashMap<>();
        for (var entry : state.entrySet()) {
            String key = strip(entry.getKey());
            if (key.startsWith("base.") || key.contains("alpha")) {
                continue;
            }
            if (normalized.put(key, entry.getValue()) != null) {
                throw new IllegalArgumentException("the checkpoint holds '" + key + "' twice under different wrappers");
            }
        }
        return normalized;
    }

    private static String strip(String key) {
        String stripped = key;
        for (String prefix : new String[] {"module.backbone.", "module.", "model."}) {
            if (stripped.startsWith(prefix)) {
                stripped = stripped.substring(prefix.length());
            }
        }
        return stripped;
    }
}
