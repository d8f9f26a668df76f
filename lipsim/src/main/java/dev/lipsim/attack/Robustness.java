package dev.lipsim.attack;

import dev.lipsim.data.ImageBatches;
import dev.lipsim.data.ParallelLoader;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.eval.Weighted;
import dev.lipsim.metric.LipSim;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * 2AFC accuracy under attack: triplets whose target is exactly 0.5 are left out, labels are
 * {@code round(target)} (as for certificates; the reference uses floor for attacks), and a triplet
 * counts at eps if the decision on the attacked reference still equals the label.
 */
public final class Robustness {

    private Robustness() {}

    /**
     * Accuracy of a metric under one attack.
     *
     * @param triplets triplets with a majority
     * @param natural the fraction decided as people did, unattacked
     * @param robust for each eps, the fraction still decided so under the attack
     */
    public record Result(String attack, int triplets, double natural, Map<Double, Double> robust) {

        /** The size-weighted mean of {@code parts} (same attack, same radii). */
        public static Result weighted(List<Result> parts) {
            return new Result(parts.getFirst().attack(), Weighted.size(parts, Result::triplets),
                    Weighted.mean(parts, Result::triplets, Result::natural), Weighted.means(parts, Result::triplets,
                            Result::robust));
        }
    }

    /** Receives every attacked reference image ({@code [3, H, W]}) and whether it is still decided as people did. */
    @FunctionalInterface
    public interface Sink {
        void accept(TwoAfcSample triplet, double eps, Tensor adversarial, boolean stillCorrect) throws IOException;
    }

    public static Result evaluate(LipSim metric, List<TwoAfcSample> samples, Attack attack, List<Double> eps, int batchSize,
            int decodeThreads) throws IOException {
        return evaluate(metric, samples, attack, eps, batchSize, decodeThreads, (triplet, e, adversarial, stillCorrect) -> {});
    }

    /** As above, handing each attacked image to {@code sink}. */
    public static Result evaluate(LipSim metric, List<TwoAfcSample> samples, Attack attack, List<Double> eps, int batchSize,
            int decodeThreads, Sink sink) throws IOException {
        List<TwoAfcSample> decided = samples.stream().filter(s -> s.target() != 0.5).toList();
        long[] robust = new long[eps.size()];
        long natural = 0;
        try (var batches = new ImageBatches<>(decided, s -> List.of(s.reference(), s.left(), s.right()),
                metric.model().config().imageSize(), batchSize, decodeThreads, ParallelLoader.OnError.FAIL)) {
            for (ImageBatches.Batch<TwoAfcSample> batch : batches) {
                try (batch; var scope = TensorScope.open();
                        var decision = new TripletDecision(metric, batch.role(1), batch.role(2))) {
                    long[] labels = batch.items().stream().mapToLong(TwoAfcSample::humanChoice).toArray();
                    Tensor references = batch.role(0);
                    natural += correct(decision, references, labels);
                    List<Tensor> attacked = attack.perturbEach(decision, references, labels, eps);
                    for (int i = 0; i < eps.size(); i++) {
                        try (var each = TensorScope.open(); Tensor adversarial = attacked.get(i)) {
                            boolean[] right = decidedAsPeople(decision, adversarial, labels);
                            for (int j = 0; j < right.length; j++) {
                                robust[i] += right[j] ? 1 : 0;
                                sink.accept(batch.items().get(j), eps.get(i), adversarial.select(0, j), right[j]);
                            }
                        }
                    }
                }
            }
        }
        Map<Double, Double> accuracy = new LinkedHashMap<>();
        for (int i = 0; i < eps.size(); i++) {
            accuracy.put(eps.get(i), robust[i] / (double) decided.size());
        }
        return new Result(attack.name(), decided.size(), natural / (double) decided.size(), accuracy);
    }

    /** How many of {@code inputs} the decision gets right. */
    static long correct(Decision decision, Tensor inputs, long[] labels) {
        long count = 0;
        for (boolean right : decidedAsPeople(decision, inputs, labels)) {
            count += right ? 1 : 0;
        }
        return count;
    }

    private static boolean[] decidedAsPeople(Decision decision, Tensor inputs, long[] labels) {
        long[] decided;
        try (var noGrad = Autograd.noGrad(); var scope = TensorScope.open()) {
            decided = decision.logits(inputs).argmax(1, false).toLongArray();
        }
        boolean[] right = new boolean[labels.length];
        for (int i = 0; i < right.length; i++) {
            right[i] = decided[i] == labels[i];
        }
        return right;
    }
}
