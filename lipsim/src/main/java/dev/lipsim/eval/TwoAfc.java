package dev.lipsim.eval;

import dev.lipsim.data.ImageBatches;
import dev.lipsim.data.ParallelLoader;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;

/**
 * Two-alternative forced choice: how often a metric agrees with people about which of two
 * distorted images is closer to a reference. Each triplet scores the fraction of people who chose
 * as the metric does (half for a tie); a dataset scores the mean.
 */
public final class TwoAfc {

    private TwoAfc() {}

    /**
     * The 2AFC agreement of distances {@code d0 = d(reference, left)} and
     * {@code d1 = d(reference, right)} with people, {@code target} of whom judged the right image closer.
     */
    public static double score(double d0, double d1, double target) {
        return d0 < d1 ? 1 - target : d1 < d0 ? target : 0.5;
    }

    /**
     * A metric's distances on a set of triplets, and pixel l2 distances of the same preprocessed
     * images as a baseline.
     *
     * @param samples the triplets, in order
     * @param d0 the metric's {@code d(reference, left)}
     * @param d1 the metric's {@code d(reference, right)}
     * @param pixel0 {@code ||left - reference||} of the model-sized images in [0, 1]
     * @param pixel1 {@code ||right - reference||}
     */
    public record Distances(List<TwoAfcSample> samples, double[] d0, double[] d1, double[] pixel0, double[] pixel1) {

        /** The metric's 2AFC score. */
        public double score() {
            return mean(d0, d1);
        }

        /** The 2AFC score of pixel l2 distance. */
        public double pixelScore() {
            return mean(pixel0, pixel1);
        }

        private double mean(double[] first, double[] second) {
            double sum = 0;
            for (int i = 0; i < samples.size(); i++) {
                sum += TwoAfc.score(first[i], second[i], samples.get(i).target());
            }
            return sum / samples.size();
        }
    }

    /** Receives one batch of triplets: their images {@code [3n, 3, S, S]} and backbone features {@code [3n, F]}, by role. */
    @FunctionalInterface
    public interface BatchConsumer {
        void accept(ImageBatches.Batch<TwoAfcSample> batch, Tensor features, int offset);
    }

    /**
     * Runs the metric's backbone over every triplet, {@code batchSize} triplets (three images each)
     * per forward pass, and hands each batch to {@code consumer} with the index of its first
     * triplet; a triplet whose images cannot be read stops with an error naming the file.
     */
    public static void forEachBatch(LipSim metric, List<TwoAfcSample> samples, int batchSize, int decodeThreads,
            BatchConsumer consumer) {
        int done = 0;
        try (var batches = new ImageBatches<>(samples, s -> List.of(s.reference(), s.left(), s.right()),
                metric.model().config().imageSize(), batchSize, decodeThreads, ParallelLoader.OnError.FAIL)) {
            for (ImageBatches.Batch<TwoAfcSample> batch : batches) {
                try (batch; var scope = TensorScope.open()) {
                    consumer.accept(batch, metric.features(batch.images()), done);
                    done += batch.items().size();
                }
            }
        }
    }

    /** The distances of every triplet (see {@link #forEachBatch}). */
    public static Distances distances(LipSim metric, List<TwoAfcSample> samples, int batchSize, int decodeThreads) {
        int n = samples.size();
        double[] d0 = new double[n];
        double[] d1 = new double[n];
        double[] pixel0 = new double[n];
        double[] pixel1 = new double[n];
        forEachBatch(metric, samples, batchSize, decodeThreads, (batch, features, offset) -> {
            int count = batch.items().size();
            Tensor embeddings = metric.embeddingMap().apply(features);
            Tensor reference = embeddings.narrow(0, 0, count);
            copy(EmbeddingMap.distance(reference, embeddings.narrow(0, count, count)), d0, offset);
            copy(EmbeddingMap.distance(reference, embeddings.narrow(0, 2L * count, count)), d1, offset);
            copy(pixelDistance(batch.role(0), batch.role(1)), pixel0, offset);
            copy(pixelDistance(batch.role(0), batch.role(2)), pixel1, offset);
        });
        return new Distances(List.copyOf(samples), d0, d1, pixel0, pixel1);
    }

    private static Tensor pixelDistance(Tensor a, Tensor b) {
        return a.sub(b).flatten(1, -1).norm(new int[] {1}, false);
    }

    private static void copy(Tensor values, double[] into, int offset) {
        double[] array = values.toDoubleArray();
        System.arraycopy(array, 0, into, offset, array.length);
    }
}
