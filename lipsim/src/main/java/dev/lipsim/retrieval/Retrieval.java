package dev.lipsim.retrieval;

import dev.lipsim.attack.Attack;
import dev.lipsim.attack.Decision;
import dev.lipsim.certify.Radii;
import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Nearest-neighbour retrieval under a metric: an index of unit embeddings, queries whose true
 * match in the index is known, neighbours by {@code 1 - cos}. With it, a certificate: the top-1
 * answer {@code j1} cannot change while the query moves by less than
 * {@code min over j of (s_j1 - s_j) / ||e_j1 - e_j||} (s: similarities to the query, linear in
 * its embedding), within the embedding map's Lipschitz radius ({@link Radii#lipschitzRadius}).
 */
public final class Retrieval implements AutoCloseable {

    private final LipSim metric;
    private final Tensor index;

    /** {@code index}: unit embeddings {@code [M, D]} of the indexed images (taken over; freed on close). */
    public Retrieval(LipSim metric, Tensor index) {
        this.metric = metric;
        this.index = TensorScope.release(index);
    }

    /**
     * The results for a batch of queries.
     *
     * @param ranks for each query, the 1-based rank of its true match
     * @param radii for each query, the certified radius of its top-1 answer (0 if a tie)
     * @param topOneCorrect for each query, whether its nearest neighbour is the true match
     */
    public record Answers(int[] ranks, double[] radii, boolean[] topOneCorrect) {}

    /** Ranks and top-1 certificates of preprocessed query images {@code [n, 3, S, S]} whose true matches are {@code matches}. */
    public Answers answer(Tensor queries, int[] matches) {
        try (var noGrad = Autograd.noGrad(); var scope = TensorScope.open()) {
            Tensor features = metric.features(queries);
            Tensor embeddings = metric.embeddingMap().apply(features);
            Tensor similarities = embeddings.matmul(index.t());
            double[] featureNorms = features.norm(new int[] {1}, false).toDoubleArray();
            int n = matches.length;
            int[] ranks = new int[n];
            double[] radii = new double[n];
            boolean[] correct = new boolean[n];
            for (int q = 0; q < n; q++) {
                double[] s = similarities.select(0, q).toDoubleArray();
                int best = 0;
                int rank = 1;
                for (int j = 0; j < s.length; j++) {
                    if (s[j] > s[best]) {
                        best = j;
                    }
                    if (j != matches[q] && s[j] >= s[matches[q]]) {
                        rank++;
                    }
                }
                ranks[q] = rank;
                correct[q] = best == matches[q] && rank == 1;
                radii[q] = correct[q] ? radius(s, best, featureNorms[q]) : 0;
            }
            return new Answers(ranks, radii, correct);
        }
    }

    /** {@code min over j != best of (s_best - s_j) / ||e_best - e_j||}, capped by the map's Lipschitz radius. */
    private double radius(double[] s, int best, double featureNorm) {
        try (var scope = TensorScope.open()) {
            double[] gaps = index.sub(index.select(0, best).unsqueeze(0)).norm(new int[] {1}, false).toDoubleArray();
            double radius = Double.POSITIVE_INFINITY;
            for (int j = 0; j < s.length; j++) {
                if (j != best) {
                    radius = gaps[j] == 0 ? 0 : Math.min(radius, (s[best] - s[j]) / gaps[j]);
                }
            }
            return Math.min(radius, Radii.lipschitzRadius(metric.embeddingMap(), featureNorm));
        }
    }

    /**
     * The retrieval decision of one batch of queries as two logits, {@code [s_true, max over other j of s_j]}:
     * class 0 means the true match ranks first, which attacks try to change.
     */
    public Decision decision(int[] matches) {
        return queries -> {
            try (var scope = TensorScope.open()) {
                Tensor embeddings = metric.embeddingMap().apply(metric.model().forward(queries));
                Tensor similarities = embeddings.matmul(index.t());
                float[] mask = new float[matches.length * (int) index.size(0)];
                for (int q = 0; q < matches.length; q++) {
                    mask[q * (int) index.size(0) + matches[q]] = 1;
                }
                Tensor isTrue = Tensor.of(mask, matches.length, index.size(0));
                Tensor trueSimilarity = similarities.mul(isTrue).sum(1, false);
                Tensor others = similarities.sub(isTrue.mul(4.0)).max(1, false).values(); // similarities lie in [-1, 1]
                return scope.keep(Tensor.stack(List.of(trueSimilarity, others), 1));
            }
        };
    }

    /** Recall@k over the ranks: the fraction of queries whose true match is among the first k. */
    public static Map<Integer, Double> recall(int[] ranks, List<Integer> ks) {
        Map<Integer, Double> recall = new LinkedHashMap<>();
        for (int k : ks) {
            recall.put(k, Arrays.stream(ranks).filter(r -> r <= k).count() / (double) ranks.length);
        }
        return recall;
    }

    /** Top-1 recall under {@code attack} at {@code eps}: queries whose true match stays first. */
    public long robustTopOne(Tensor queries, int[] matches, Attack attack, double eps) {
        Decision decision = decision(matches);
        long[] labels = new long[matches.length];
        try (var scope = TensorScope.open()) {
            Tensor attacked = attack.perturb(decision, queries, labels, eps);
            try (var noGrad = Autograd.noGrad()) {
                return (long) decision.logits(attacked).argmax(1, false).eq(0.0).sum().item();
            }
        }
    }

    public EmbeddingMap embeddingMap() {
        return metric.embeddingMap();
    }

    @Override
    public void close() {
        index.close();
    }
}
