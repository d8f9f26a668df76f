package dev.lipsim.train;

import dev.lipsim.data.ImageBatches;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;

/** The fine-tuning logits {@code d0 - d1} of a batch of triplets, and their human targets. */
final class TripletLogits {

    private TripletLogits() {}

    /**
     * {@code d(reference, left) - d(reference, right)} per triplet, {@code [n]}, under autograd:
     * the three images of every triplet go through the model in one pass.
     */
    static Tensor of(LipSimModel model, EmbeddingMap embedding, ImageBatches.Batch<TwoAfcSample> batch, Device device) {
        int count = batch.items().size();
        try (var scope = TensorScope.open()) {
            Tensor embeddings = embedding.apply(model.forward(batch.images().to(device)));
            Tensor reference = embeddings.narrow(0, 0, count);
            Tensor d0 = EmbeddingMap.distance(reference, embeddings.narrow(0, count, count));
            Tensor d1 = EmbeddingMap.distance(reference, embeddings.narrow(0, 2L * count, count));
            return scope.keep(d0.sub(d1));
        }
    }

    /** The human targets (fraction preferring the right image), {@code [n]} float32. */
    static Tensor targets(List<TwoAfcSample> samples, Device device) {
        float[] values = new float[samples.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) samples.get(i).target();
        }
        try (var scope = TensorScope.open()) {
            return scope.keep(Tensor.of(values, values.length).to(device));
        }
    }

    /** {@code +1} where people judged the right image closer ({@code round(target) == 1}), else {@code -1}. */
    static Tensor signs(List<TwoAfcSample> samples, Device device) {
        float[] values = new float[samples.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = samples.get(i).humanChoice() == 1 ? 1 : -1;
        }
        try (var scope = TensorScope.open()) {
            return scope.keep(Tensor.of(values, values.length).to(device));
        }
    }
}
