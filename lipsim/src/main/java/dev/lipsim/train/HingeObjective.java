package dev.lipsim.train;

import dev.lipsim.data.ImageBatches;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.nn.Losses;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;

/**
 * LipSim's fine-tuning loss (the paper's step 2): with {@code logit = d0 - d1} and
 * {@code y = 2 round(target) - 1}, {@code sum over the batch of max(0, margin - logit * y)}. It
 * pushes the distance to the image people chose below the other by at least the margin, which
 * is what certified radii grow with.
 */
public final class HingeObjective implements Objective<TwoAfcSample> {

    private final LipSimModel model;
    private final EmbeddingMap embedding;
    private final double margin;
    private final Device device;

    public HingeObjective(LipSimModel model, EmbeddingMap embedding, double margin, Device device) {
        if (!(margin >= 0) || Double.isInfinite(margin)) {
            throw new IllegalArgumentException("the hinge margin must be finite and >= 0, got " + margin);
        }
        this.model = model;
        this.embedding = embedding;
        this.margin = margin;
        this.device = device;
    }

    @Override
    public boolean sumsOverBatch() {
        return true;
    }

    @Override
    public Tensor loss(ImageBatches.Batch<TwoAfcSample> batch) {
        try (var scope = TensorScope.open()) {
            Tensor logits = TripletLogits.of(model, embedding, batch, device);
            return scope.keep(Losses.hinge(logits, TripletLogits.signs(batch.items(), device), margin));
        }
    }
}
