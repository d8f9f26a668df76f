package dev.lipsim.attack;

import dev.lipsim.data.ImageBatches;
import dev.lipsim.data.ParallelLoader;
import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.nn.Balls;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The attack of the paper's figure 3b: for each image x, the perturbation within an l2 ball of
 * radius eps (pixels kept in [0, 1]) that maximises {@code d(x, x + delta)}, found by projected
 * gradient ascent from a random start. For a 1-Lipschitz embedding map, {@code d = ||e(x) -
 * e(x + delta)||^2 / 2 <= eps^2 / 2}; {@link #bound} says so.
 */
public final class DistanceAttack {

    private final int steps;
    private final Generator generator;

    public DistanceAttack(int steps, Generator generator) {
        if (steps < 1) {
            throw new IllegalArgumentException("need at least one step, got " + steps);
        }
        this.steps = steps;
        this.generator = generator;
    }

    /**
     * The distances reached at one radius, summarised.
     *
     * @param bound {@code eps^2 / 2}, which they cannot exceed when the embedding map is 1-Lipschitz
     */
    public record Summary(double mean, double median, double max, double bound) {

        public static Summary of(double[] distances, double eps) {
            double[] sorted = distances.clone();
            Arrays.sort(sorted);
            return new Summary(Arrays.stream(sorted).average().orElse(0), sorted[sorted.length / 2], sorted[sorted.length - 1],
                    DistanceAttack.bound(eps));
        }
    }

    /** The largest distance a perturbation of l2 norm {@code eps} can cause when the embedding map is 1-Lipschitz. */
    public static double bound(double eps) {
        return eps * eps / 2;
    }

    /** The distances the attack reaches on every image of {@code files}, per eps. */
    public Map<Double, double[]> evaluate(LipSim metric, List<Path> files, List<Double> eps, int batchSize, int decodeThreads) {
        Map<Double, double[]> reached = new LinkedHashMap<>();
        eps.forEach(e -> reached.put(e, new double[files.size()]));
        int done = 0;
        try (var batches = new ImageBatches<>(files, List::of, metric.model().config().imageSize(), batchSize, decodeThreads,
                ParallelLoader.OnError.FAIL)) {
            for (ImageBatches.Batch<Path> batch : batches) {
                try (batch; var scope = TensorScope.open()) {
                    for (double e : eps) {
                        double[] values = distances(metric, batch.images(), e).toDoubleArray();
                        System.arraycopy(values, 0, reached.get(e), done, values.length);
                    }
                }
                done += batch.items().size();
            }
        }
        return reached;
    }

    /** {@code d(x, x + delta)} per image for the perturbation found, {@code [n]}. */
    public Tensor distances(LipSim metric, Tensor images, double eps) {
        try (var scope = TensorScope.open(); var frozen = metric.model().frozen()) {
            Tensor clean = metric.embeddings(images);
            if (eps == 0) {
                return scope.keep(clean.sum(1, false).zerosLike());
            }
            EmbeddingMap map = metric.embeddingMap();
            Tensor delta = Balls.keepInImage(images, Norm.L2.randomStart(images.shape(), eps, generator));
            for (int step = 0; step < steps; step++) {
                try (var each = TensorScope.open()) {
                    Tensor d = delta.clone().requiresGrad(true);
                    EmbeddingMap.distance(map.apply(metric.model().forward(images.add(d))), clean).sum().backward();
                    Tensor moved = delta.add(Norm.L2.direction(d.grad()).mul(eps / 10));
                    Tensor next = each.keep(Balls.keepInImage(images, Balls.projectL2(moved, eps)));
                    delta.close();
                    delta = next;
                }
            }
            try (var noGrad = Autograd.noGrad()) {
                return scope.keep(EmbeddingMap.distance(metric.embeddings(images.add(delta)), clean));
            }
        }
    }
}
