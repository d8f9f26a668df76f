package dev.lipsim.eval;

import dev.lipsim.data.BappsDataset;
import dev.lipsim.data.NightDataset;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.metric.LipSim;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Natural 2AFC scores of a metric on a dataset, part by part (NIGHT splits, BAPPS categories),
 * with the overall score weighted by the parts' sizes.
 */
public final class Evaluation {

    /** The NIGHT splits the reference reports; their size-weighted mean is "overall". */
    public static final List<String> NIGHT_TEST_SPLITS = List.of("test_imagenet", "test_no_imagenet");
    /** BAPPS 2AFC categories, as the reference evaluates them. */
    public static final List<String> BAPPS_CATEGORIES = List.of("traditional", "cnn", "superres", "deblur", "color",
            "frameinterp");

    private Evaluation() {}

    /**
     * A score over {@code triplets} triplets.
     *
     * @param score the metric's 2AFC score
     * @param pixelL2Score the 2AFC score of pixel l2 distance on the same model-sized images
     */
    public record Score(int triplets, double score, double pixelL2Score) {

        static Score of(TwoAfc.Distances distances) {
            return new Score(distances.samples().size(), distances.score(), distances.pixelScore());
        }

        /** The mean of {@code scores} weighted by their triplet counts. */
        public static Score weighted(List<Score> scores) {
            return new Score(Weighted.size(scores, Score::triplets), Weighted.mean(scores, Score::triplets, Score::score),
                    Weighted.mean(scores, Score::triplets, Score::pixelL2Score));
        }
    }

    /**
     * Scores per part and overall.
     *
     * @param overall the size-weighted mean of {@link #overallOf}'s parts, or null if they were not all evaluated
     * @param overallOf the parts that make up the overall score
     */
    public record Report(Map<String, Score> parts, Score overall, List<String> overallOf) {}

    /** Triplets per forward pass when none is given. */
    public static final int DEFAULT_BATCH = 16;

    /**
     * NIGHT (or a set in its layout, such as the synthetic one) at {@code root}: each of
     * {@code splits}; overall as {@link #nightOverallOf} says.
     */
    public static Report night(LipSim metric, Path root, List<String> splits, int batchSize, int decodeThreads) throws IOException {
        return report(metric, nightParts(root, splits), nightOverallOf(splits), batchSize, decodeThreads);
    }

    /**
     * The NIGHT splits whose size-weighted mean is "overall": the paper's two test splits when
     * they are among {@code splits}, else every split scored.
     */
    public static List<String> nightOverallOf(List<String> splits) {
        return splits.containsAll(NIGHT_TEST_SPLITS) ? NIGHT_TEST_SPLITS : List.copyOf(new LinkedHashSet<>(splits));
    }

    /** The triplets of each NIGHT split, by split. */
    public static Map<String, List<TwoAfcSample>> nightParts(Path root, List<String> splits) throws IOException {
        Map<String, List<TwoAfcSample>> parts = new LinkedHashMap<>();
        for (String split : splits) {
            parts.put(split, NightDataset.load(root, split));
        }
        return parts;
    }

    /**
     * BAPPS 2AFC under {@code root}: the categories of {@code split} that are present, each a
     * folder with {@code ref/}, {@code p0/}, {@code p1/}, {@code judge/}; overall weights them by size.
     */
    public static Report bapps(LipSim metric, Path root, String split, int batchSize, int decodeThreads) throws IOException {
        Map<String, List<TwoAfcSample>> parts = bappsParts(root, split);
        return report(metric, parts, List.copyOf(parts.keySet()), batchSize, decodeThreads);
    }

    /** The triplets of each BAPPS category of {@code split} that is present, by category. */
    public static Map<String, List<TwoAfcSample>> bappsParts(Path root, String split) throws IOException {
        Map<String, List<TwoAfcSample>> parts = new LinkedHashMap<>();
        for (Map.Entry<String, Path> category : bappsCategories(root, split).entrySet()) {
            parts.put(category.getKey(), BappsDataset.load(category.getValue()));
        }
        return parts;
    }

    /**
     * The category folders of a BAPPS split, found where the reference keeps them
     * ({@code root/bapps/2afc/<split>/}) or one or two levels closer ({@code root/2afc/<split>/},
     * {@code root/<split>/}).
     */
    public static Map<String, Path> bappsCategories(Path root, String split) throws IOException {
        List<Path> candidates = List.of(root.resolve("bapps").resolve("2afc").resolve(split),
                root.resolve("2afc").resolve(split), root.resolve(split));
        for (Path folder : candidates) {
            Map<String, Path> found = new LinkedHashMap<>();
            for (String category : BAPPS_CATEGORIES) {
                if (Files.isDirectory(folder.resolve(category))) {
                    found.put(category, folder.resolve(category));
                }
            }
            if (!found.isEmpty()) {
                return found;
            }
        }
        throw new IOException("no BAPPS 2AFC " + split + " categories " + BAPPS_CATEGORIES + " under " + root
                + " (looked in " + candidates + ")");
    }

    /** Scores of each part, and overall the size-weighted mean of the parts named in {@code overallOf}. */
    public static Report report(LipSim metric, Map<String, List<TwoAfcSample>> parts, List<String> overallOf,
            int batchSize, int decodeThreads) {
        Map<String, Score> scores = new LinkedHashMap<>();
        parts.forEach((name, samples) -> scores.put(name, Score.of(TwoAfc.distances(metric, samples, batchSize, decodeThreads))));
        List<Score> overallParts = new ArrayList<>();
        for (String name : overallOf) {
            if (scores.containsKey(name)) {
                overallParts.add(scores.get(name));
            }
        }
        Score overall = overallParts.size() == overallOf.size() ? Score.weighted(overallParts) : null;
        return new Report(scores, overall, overallOf);
    }
}
