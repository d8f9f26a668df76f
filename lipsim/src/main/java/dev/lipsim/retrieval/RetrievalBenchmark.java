package dev.lipsim.retrieval;

import dev.lipsim.attack.Attack;
import dev.lipsim.data.ParallelLoader;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.eval.Embeddings;
import dev.lipsim.metric.LipSim;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

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
        int[] matches = decided.stream().mapToInt(t -> position.get(t.reference())).toArray();
        Retrieval.Search search;
        try (var scope = TensorScope.open();
                var embeddings = Embeddings.of(metric, indexed, decodeThreads, ParallelLoader.OnError.FAIL)) {
            Tensor index = Tensor.stack(List.copyOf(embeddings.embeddings().values()), 0);
            search = new Retrieval(metric, index).search(queries, matches, ks.stream().mapToInt(Integer::intValue).max()
                    .orElse(1), eps, attack, batchSize, decodeThreads);
        }
        Retrieval.Answers answers = search.answers();
        List<Double> radii = IntStream.range(0, queries.size())
                .mapToObj(q -> answers.topOneCorrect(q) ? answers.radii()[q] : -1.0).toList();
        Map<Double, Double> certified = new LinkedHashMap<>();
        Map<Double, Double> underAttack = new LinkedHashMap<>();
        for (int e = 0; e < eps.size(); e++) {
            double radius = eps.get(e);
            certified.put(radius, radii.stream().filter(r -> r > radius).count() / (double) radii.size());
            if (attack != null) {
                underAttack.put(radius, search.kept()[e] / (double) queries.size());
            }
        }
        return new Result(queries.size(), indexed.size(), Retrieval.recall(answers.ranks(), ks), certified, underAttack);
    }
}
