package dev.lipsim.teacher;

import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;

/**
 * What a student is distilled from: target embeddings for views of images. A teacher that
 * computes (the demo teacher, a ViT ensemble) looks at the pixels; one that was computed ahead
 * ({@link PrecomputedTeacher}) looks the views up by name.
 */
public interface Teacher extends AutoCloseable {

    /** Suffix of a flipped view's name. */
    String FLIPPED = "#flipped";

    /**
     * A view as distillation makes it: the centre crop of an image, maybe flipped horizontally.
     *
     * @param key the image's path relative to the image folder, with {@code /} separators
     * @param flipped whether the crop was flipped
     */
    record View(String key, boolean flipped) {

        /** The name of this view's embedding in a precomputed file: the key, plus {@link #FLIPPED} if flipped. */
        public String name() {
            return flipped ? key + FLIPPED : key;
        }
    }

    /** The teacher's name, as runs and embedding files record it. */
    String name();

    /** The size of its embeddings. */
    int dimension();

    /**
     * Embeddings {@code [n, dimension]} (float32, CPU, no gradient) of {@code views}, whose
     * pixels are {@code images} ({@code [n, 3, S, S]} in [0, 1]).
     */
    Tensor embed(List<View> views, Tensor images);

    @Override
    default void close() {}

    /**
     * The LipSim reference's normalisation of ensemble embeddings {@code [n, D]}: divide each by
     * its l2 norm, then subtract its mean over the D dimensions. (Upstream DreamSim subtracts the
     * mean first; distillation targets follow the LipSim reference.)
     */
    static Tensor normalise(Tensor embeddings) {
        try (var scope = TensorScope.open()) {
            Tensor unit = embeddings.div(embeddings.norm(new int[] {1}, true));
            return scope.keep(unit.sub(unit.mean(1, true)));
        }
    }
}
