package dev.lipsim.retrieval;

import dev.lipsim.attack.Attack;
import dev.lipsim.attack.Decision;
import dev.lipsim.certify.Radii;
import dev.lipsim.metric.LipSim;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.data.ImageBatches;
import dev.lipsim.data.ParallelLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Nearest-neighbour retrieval under a metric: an index of unit embeddings, queries whose true
 * match in the index is known, neighbours by {@code 1 - cos}. With it, a certificate: the top-1
 * answer {@code j1} cannot change while the query moves by less than
 * {@code min over j of (s_j1 - s_j) / ||e_j1 - e_j||} (s: similarities to the query, linear in
 * its embedding), within the embedding map's Lipschitz radius ({@link Radii#lipschitzRadius}).
 */
public final class Retrieval {

    private final LipSim metric;
    private final Tensor index;

    /** {@code index}: unit embeddings {@code [M, D]} of the indexed images (the caller keeps it). */
    public Retrieval(LipSim metric, Tensor index) {
        this.metric = metric;
        this.index = index;
    }

    /**
     * The results for a batch of queries.
     *
     * @param nearest for each query, the positions of its {@code k} nearest indexed images, nearest first
     * @param distances their distances {@code 1 - cos}
     * @param radii for each query, the certified radius of its top-1 answer (0 if a tie)
     * @param ranks for each query with a known match, the 1-based rank of its match (0 where unknown)
     */
    public record Answers(int[][] nearest, double[][] distances, double[] radii, int[] ranks) {

        /** Whether query {@code q}'s nearest neighbour is its known match, alone at rank 1. */
        public boolean topOneCorrect(int q) {
            return ranks[q] == 1;
        }
    }

    /**
     * Neighbours and top-1 certificates of preprocessed query images {@code [n, 3, S, S]}; {@code matches}
     * holds each query's true match, or -1 where it is not known.
     */
    public Answers answer(Tensor queries, int[] matches, int k) {
        metric.requireSoundRadii();
        try (var noGrad = Autograd.noGrad(); var scope = TensorScope.open()) {
            Tensor features = metric.features(queries);
            Tensor similarities = metric.embeddingMap().apply(features).matmul(index.t());
            double[] featureNorms = features.norm(new int[] {1}, false).toDoubleArray();
            int n = matches.length;
            int kept = (int) Math.min(k, index.size(0));
            int[][] nearest = new int[n][];
            double[][] distances = new double[n][];
            double[] radii = new double[n];
            int[] ranks = new int[n];
            // [n, kept]: each query's most similar indexed images first, sorted by libtorch in one call
            long[] order = similarities.sort(1, true).indices().narrow(1, 0, kept).toLongArray();
            for (int q = 0; q < n; q++) {
                double[] s = similarities.select(0, q).toDoubleArray();
                nearest[q] = Arrays.stream(order, q * kept, (q + 1) * kept).mapToInt(Math::toIntExact).toArray();
                distances[q] = Arrays.stream(nearest[q]).mapToDouble(j -> Math.clamp(1 - s[j], 0, 2)).toArray();
                radii[q] = radius(s, nearest[q][0], featureNorms[q]);
                if (matches[q] >= 0) {
                    int match = matches[q];
                    ranks[q] = 1 + (int) IntStream.range(0, s.length)
                            .filter(j -> j != match && s[j] >= s[match]).count();
                }
            }
            return new Answers(nearest, distances, radii, ranks);
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
        try (var scope = TensorScope.open(); var frozen = metric.model().frozen()) {
            Tensor attacked = attack.perturb(decision, queries, labels, eps);
            try (var noGrad = Autograd.noGrad()) {
                return (long) decision.logits(attacked).argmax(1, false).eq(0.0).sum().item();
            }
        }
    }

    /**
     * Every query answered, and attacked at each eps when an attack is given.
     *
     * @param answers as {@link #answer}, over all queries in order
     * @param kept for each eps, how many queries kept their top-1 answer under the attack: the true
     *     match where it is known, else the unattacked top-1 answer
     */
    public record Search(Answers answers, long[] kept) {}

    /** {@link #answer} over query files, batch by batch, with {@link #robustTopOne} at each eps when {@code attack} is not null. */
    public Search search(List<Path> queries, int[] matches, int k, List<Double> eps, Attack attack, int batchSize,
            int decodeThreads) {
        int[][] nearest = new int[queries.size()][];
        double[][] distances = new double[queries.size()][];
        double[] radii = new double[queries.size()];
        int[] ranks = new int[queries.size()];
        long[] kept = new long[eps.size()];
        try (var batches = new ImageBatches<>(IntStream.range(0, queries.size()).boxed().toList(), i -> List.of(queries.get(i)),
                metric.model().config().imageSize(), batchSize, decodeThreads, ParallelLoader.OnError.FAIL)) {
            for (ImageBatches.Batch<Integer> batch : batches) {
                try (batch; var scope = TensorScope.open()) {
                    int[] batchMatches = batch.items().stream().mapToInt(i -> matches[i]).toArray();
                    Answers answers = answer(batch.images(), batchMatches, k);
                    for (int q = 0; q < batchMatches.length; q++) {
                        int i = batch.items().get(q);
                        nearest[i] = answers.nearest()[q];
                        distances[i] = answers.distances()[q];
                        radii[i] = answers.radii()[q];
                        ranks[i] = answers.ranks()[q];
                        batchMatches[q] = batchMatches[q] >= 0 ? batchMatches[q] : answers.nearest()[q][0];
                    }
                    for (int e = 0; attack != null && e < eps.size(); e++) {
                        kept[e] += robustTopOne(batch.images(), batchMatches, attack, eps.get(e));
                    }
                }
            }
        }
        return new Search(new Answers(nearest, distances, radii, ranks), kept);
    }
}
