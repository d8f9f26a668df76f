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
 * The reference's default loss, {@code sqrt(mean((d0 - d1 - target)^2))}: what its README's
 * fine-tuning command trains when {@code --loss hinge} is left out. Kept for comparison; the
 * paper's method is {@link HingeObjective}.
 */
public final class RmseObjective implements Objective<TwoAfcSample> {

    private final LipSimModel model;
    private final EmbeddingMap embedding;
    private final Device device;

    public RmseObjective(LipSimModel model, EmbeddingMap embedding, Device device) {
        this.model = model;
        this.embedding = embedding;
        this.device = device;
    }

    @Override
    public Tensor loss(ImageBatches.Batch<TwoAfcSample> batch) {
        try (var scope = TensorScope.open()) {
            Tensor logits = TripletLogits.of(model, embedding, batch, device);
            return scope.keep(Losses.rmse(logits, TripletLogits.targets(batch.items(), device)));
        }
    }
}
