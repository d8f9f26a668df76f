package dev.lipsim.demo;

import dev.lipsim.attack.AdversarialImages;
import dev.lipsim.attack.Robustness;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Writes every attacked image and keeps the correct decision that was flipped at the smallest radius. */
final class AdversarialExample implements Robustness.Sink, AutoCloseable {

    private final LipSim metric;
    private final AdversarialImages images;
    private DemoSummary.Adversarial chosen;

    AdversarialExample(LipSim metric, Path folder) throws IOException {
        this.metric = metric;
        this.images = new AdversarialImages(folder);
    }

    @Override
    public void accept(TwoAfcSample triplet, double eps, Tensor adversarial, boolean stillCorrect) throws IOException {
        images.accept(triplet, eps, adversarial, stillCorrect);
        if (stillCorrect || eps == 0 || (chosen != null && eps >= chosen.eps())) {
            return;
        }
        try (var scope = TensorScope.open()) {
            Tensor alternatives = metric.embeddings(Tensor.stack(List.of(metric.preprocess(triplet.left()),
                    metric.preprocess(triplet.right())), 0));
            Tensor references = metric.embeddings(Tensor.stack(List.of(metric.preprocess(triplet.reference()), adversarial), 0));
            double[] before = EmbeddingMap.distance(references.narrow(0, 0, 1).expand(2, -1), alternatives).toDoubleArray();
            double[] after = EmbeddingMap.distance(references.narrow(0, 1, 1).expand(2, -1), alternatives).toDoubleArray();
            if ((before[1] < before[0] ? 1 : 0) == triplet.humanChoice()) {
                chosen = new DemoSummary.Adversarial(triplet.id(), eps, triplet.reference().toString(),
                        images.fileOf(triplet, eps).toString(), triplet.left().toString(), triplet.right().toString(), before[0],
                        before[1], after[0], after[1]);
            }
        }
    }

    /** The example, with absolute paths. */
    Optional<DemoSummary.Adversarial> chosen() {
        return Optional.ofNullable(chosen);
    }

    @Override
    public void close() throws IOException {
        images.close();
    }
}
