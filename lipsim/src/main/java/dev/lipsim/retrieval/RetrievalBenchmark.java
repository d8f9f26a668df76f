package dev.lipsim.retrieval;

import dev.lipsim.attack.Attack;
import dev.lipsim.data.ImageBatches;
import dev.lipsim.data.ParallelLoader;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.eval.Embeddings;
import dev.lipsim.metric.LipSim;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Retrieval on a 2AFC set: the index holds the references; each triplet with a majority gives a
 * query, the alternative people judged closer, whose true match is its reference. On the
 * synthetic set these are small perceptual changes of the indexed image.
 */
public final class RetrievalBenchmark {

    private RetrievalBenchmark() {}

    /**
     * Recall, certified and attacked top-1 recall.
     *
     * @param queries queries answered
     * @param indexed images in the index
     * @param recall recall@k for each k
     * @param certified for each eps, the fraction whose top-1 answer is right and certified beyond eps
     * @param underAttack for each eps, the fraction whose top-1 answer stays right under the attack (empty without one)
     */
    public record Result(int queries, int indexed, Map<Integer, Double> recall, Map<Double, Double> certified,
            Map<Double, Double> underAttack) {}

    public static Result run(LipSim metric, List<TwoAfcSample> triplets, List<Integer> ks, List<Double> eps, Attack attack,
            int batchSize, int decodeThreads) {
        List<TwoAfcSample> decided = triplets.stream().filter(t -> t.target() != 0.5).toList();
        List<Path> indexed = decided.stream().map(TwoAfcSample::reference).distinct().toList();
        List<Path> queries = decided.stream().map(t -> t.humanChoice() == 1 ? t.right() : t.left()).toList();
        Map<Path, Integer> position = new LinkedHashMap<>();
        indexed.forEach(file -> position.put(file, position.size()));
        int[] allMatches = decided.stream().mapToInt(t -> position.get(t.reference())).toArray();
        List<Integer> ranks = new ArrayList<>();
        List<Double> radii = new ArrayList<>();
        long[] robust = new long[eps.size()];
        try (var scope = TensorScope.open();
                var embeddings = Embeddings.of(metric, indexed, decodeThreads, ParallelLoader.OnError.FAIL);
                var retrieval = new Retrieval(metric, Tensor.stack(List.copyOf(embeddings.embeddings().values()), 0));
                var batches = new ImageBatches<>(java.util.stream.IntStream.range(0, queries.size()).boxed().toList(),
                        i -> List.of(queries.get(i)), metric.model().config().imageSize(), batchSize, decodeThreads,
                        ParallelLoader.OnError.FAIL)) {
            for (ImageBatches.Batch<Integer> batch : batches) {
                try (batch; var each = TensorScope.open()) {
                    int[] matches = batch.items().stream().mapToInt(i -> allMatches[i]).toArray();
                    Retrieval.Answers answers = retrieval.answer(batch.images(), matches);
                    for (int q = 0; q < matches.length; q++) {
                        ranks.add(answers.ranks()[q]);
                        radii.add(answers.topOneCorrect()[q] ? answers.radii()[q] : -1);
                    }
                    for (int e = 0; attack != null && e < eps.size(); e++) {
                        robust[e] += retrieval.robustTopOne(batch.images(), matches, attack, eps.get(e));
                    }
                }
            }
        }
        Map<Double, Double> certified = new LinkedHashMap<>();
        Map<Double, Double> underAttack = new LinkedHashMap<>();
        for (int e = 0; e < eps.size(); e++) {
            double radius = eps.get(e);
            certified.put(radius, radii.stream().filter(r -> r > radius).count() / (double) radii.size());
            if (attack != null) {
                underAttack.put(radius, robust[e] / (double) queries.size());
            }
        }
        return new Result(queries.size(), indexed.size(), Retrieval.recall(ranks.stream().mapToInt(Integer::intValue).toArray(),
                ks), certified, underAttack);
    }
}
