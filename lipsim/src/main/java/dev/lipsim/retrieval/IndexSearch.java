package dev.lipsim.retrieval;

import dev.lipsim.attack.Attack;
import dev.lipsim.metric.LipSim;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Retrieval against a user's own index ({@link EmbeddingIndex}) with a user's own query images:
 * the {@code k} nearest indexed images of each query and the certified radius of its top-1
 * answer. Where each query's true match is known, also recall@k, certified recall@1 and recall@1
 * under attack; where it is not, how many top-1 answers are certified, and kept under attack.
 */
public final class IndexSearch {

    private IndexSearch() {}

    /** An indexed image and its distance {@code 1 - cos} to the query. */
    public record Hit(String image, double distance) {}

    /**
     * One query's answer.
     *
     * @param certifiedRadius the l2 radius within which no perturbation of the query changes its top-1 answer
     * @param match its true match, or null where not known
     * @param rank the 1-based rank of its true match, or 0 where not known
     */
    public record Answer(String query, List<Hit> nearest, double certifiedRadius, String match, int rank) {}

    /**
     * What held over all queries.
     *
     * @param matchesKnown whether each query's true match was given
     * @param recall recall@k, for each k up to the one asked for (empty where matches are not known)
     * @param certified for each eps, the fraction of queries whose top-1 answer is certified beyond eps
     *     (and right, where matches are known)
     * @param underAttack for each eps, the fraction whose top-1 answer the attack did not change (and is
     *     right, where matches are known); empty without an attack
     */
    public record Summary(int queries, int indexed, boolean matchesKnown, Map<Integer, Double> recall,
            Map<Double, Double> certified, Map<Double, Double> underAttack) {}

    public record Report(Summary summary, List<Answer> answers) {}

    /**
     * Answers {@code queries} against {@code index}.
     *
     * @param matches each query's true match (a key of the index, or its file name) by query, or empty
     * @param attack the attack on the queries, or null for none
     */
    public static Report run(LipSim metric, EmbeddingIndex index, List<Path> queries, Map<Path, String> matches, int k,
            List<Double> eps, Attack attack, int batchSize, int decodeThreads) {
        boolean known = !matches.isEmpty();
        int[] positions = new int[queries.size()];
        for (int q = 0; q < queries.size(); q++) {
            String match = matches.get(normal(queries.get(q)));
            if (known && match == null) {
                throw new IllegalArgumentException("no true match given for the query " + queries.get(q));
            }
            positions[q] = known ? index.find(match) : -1;
        }
        Retrieval.Search search = new Retrieval(metric, index.embeddings()).search(queries, positions, k, eps, attack,
                batchSize, decodeThreads);
        Retrieval.Answers answers = search.answers();
        List<Answer> results = new ArrayList<>();
        for (int q = 0; q < queries.size(); q++) {
            List<Hit> hits = new ArrayList<>();
            for (int j = 0; j < answers.nearest()[q].length; j++) {
                hits.add(new Hit(index.keys().get(answers.nearest()[q][j]), answers.distances()[q][j]));
            }
            results.add(new Answer(queries.get(q).toString(), hits, answers.radii()[q],
                    known ? index.keys().get(positions[q]) : null, answers.ranks()[q]));
        }
        List<Integer> ks = Stream.of(1, 5, 10, k).filter(i -> i <= Math.min(k, index.keys().size())).distinct()
                .toList();
        Map<Integer, Double> recall = known ? Retrieval.recall(answers.ranks(), ks) : Map.of();
        Map<Double, Double> certified = new LinkedHashMap<>();
        Map<Double, Double> underAttack = new LinkedHashMap<>();
        for (int e = 0; e < eps.size(); e++) {
            double radius = eps.get(e);
            long count = IntStream.range(0, queries.size())
                    .filter(q -> (!known || answers.topOneCorrect(q)) && answers.radii()[q] > radius).count();
            certified.put(radius, count / (double) queries.size());
            if (attack != null) {
                underAttack.put(radius, search.kept()[e] / (double) queries.size());
            }
        }
        return new Report(new Summary(queries.size(), index.keys().size(), known, recall, certified, underAttack), results);
    }

    /**
     * Reads true matches from a CSV of {@code query,match} lines (a header {@code query,match} is
     * skipped): query paths resolve against the current folder, matches are index keys or file names.
     */
    public static Map<Path, String> readMatches(Path csv) throws IOException {
        Map<Path, String> matches = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(csv);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || (i == 0 && line.equalsIgnoreCase("query,match"))) {
                continue;
            }
            String[] fields = line.split(",", -1);
            if (fields.length != 2 || fields[0].isBlank() || fields[1].isBlank()) {
                throw new IOException(csv + " line " + (i + 1) + ": expected 'query,match', got '" + line + "'");
            }
            String previous = matches.put(normal(Path.of(fields[0].strip())), fields[1].strip());
            if (previous != null && !previous.equals(fields[1].strip())) {
                throw new IOException(csv + " line " + (i + 1) + ": " + fields[0] + " is given two matches");
            }
        }
        return matches;
    }

    /** The form in which queries and matches are compared. */
    public static Path normal(Path file) {
        return file.toAbsolutePath().normalize();
    }
}
