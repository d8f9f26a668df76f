package dev.lipsim.model;

import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;

/**
 * How features become the unit embeddings that distances compare.
 *
 * <p>{@link #APPEND_ONE} appends a constant 1 before normalising; the norm is then at least 1,
 * where normalisation is 1-Lipschitz, so the whole image-to-embedding map is 1-Lipschitz and
 * certificates hold unconditionally. {@link #UNIT} normalises the features directly, as the
 * reference does by default; that is 1-Lipschitz only where the features' norm is at least 1,
 * so a certificate at radius r needs {@code ||f(x)|| >= 1 + r}, which callers must check.
 */
public enum EmbeddingMap {
    UNIT,
    APPEND_ONE;

    /** The name commands and files use: {@code unit} or {@code append-one}. */
    public String label() {
        return this == APPEND_ONE ? "append-one" : "unit";
    }

    /** The map named {@code label} ({@code unit} or {@code append-one}). */
    public static EmbeddingMap fromLabel(String label) {
        return switch (label) {
            case "unit" -> UNIT;
            case "append-one" -> APPEND_ONE;
            default -> throw new IllegalArgumentException("the embedding must be unit or append-one, got '" + label + "'");
        };
    }

    /** Unit embeddings {@code [N, F]} (or {@code [N, F + 1]}) of features {@code [N, F]}. */
    public Tensor apply(Tensor features) {
        Tensor x = this == APPEND_ONE
                ? Tensor.cat(List.of(features, Tensor.ones(new long[] {features.size(0), 1}, features.dtype(), features.device())), 1)
                : features;
        return x.div(x.norm(new int[] {1}, true));
    }

    /**
     * The distance {@code 1 - cos} of paired unit embeddings, one per row, clamped to [0, 2]
     * where float rounding pushes it past (an image and itself could otherwise be at -1e-7).
     */
    public static Tensor distance(Tensor a, Tensor b) {
        try (var scope = TensorScope.open()) {
            return scope.keep(a.mul(b).sum(1, false).neg().add(1.0).clamp(0, 2));
        }
    }
}
