package dev.lipsim.attack;

import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.nn.Module;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;

/**
 * A metric's 2AFC decision as a function of the reference image alone, the view every attack
 * here takes (only the reference is perturbed): logits {@code [d(ref, x1), d(ref, x0)]}, so class
 * 0 means the left image is closer and class 1 the right, the labels' convention.
 */
public final class TripletDecision implements Decision, AutoCloseable {

    private final LipSim metric;
    private final Tensor left;
    private final Tensor right;
    private final Module.Frozen frozen;

    /** Embeds the alternatives {@code [n, 3, S, S]} once, without gradients; the model is held constant until close. */
    public TripletDecision(LipSim metric, Tensor leftImages, Tensor rightImages) {
        this.metric = metric;
        this.left = TensorScope.release(metric.embeddings(leftImages));
        this.right = TensorScope.release(metric.embeddings(rightImages));
        this.frozen = metric.model().frozen();
    }

    @Override
    public Tensor logits(Tensor references) {
        try (var scope = TensorScope.open()) {
            Tensor features = metric.model().forward(references);
            Tensor embedding = metric.embeddingMap().apply(features);
            Tensor d0 = EmbeddingMap.distance(embedding, left.to(embedding.device()));
            Tensor d1 = EmbeddingMap.distance(embedding, right.to(embedding.device()));
            return scope.keep(Tensor.stack(List.of(d1, d0), 1));
        }
    }

    @Override
    public void close() {
        frozen.close();
        left.close();
        right.close();
    }
}
