package dev.lipsim.retrieval;

import dev.lipsim.data.ImageBatches;
import dev.lipsim.data.ImageFolder;
import dev.lipsim.data.ParallelLoader;
import dev.lipsim.image.ImageDecoder;
import dev.lipsim.image.Transforms;
import dev.lipsim.metric.LipSim;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weighted k-nearest-neighbour classification the reference evaluates embeddings with (after
 * DINO): images resized (shorter side {@code 256/224} of the input size, bicubic) and centre
 * cropped, unit embeddings, cosine similarity, the k most similar training images each voting
 * for its class with weight {@code exp(similarity / T)}, T = 0.07.
 */
public final class KnnClassifier {

    public static final List<Integer> REFERENCE_KS = List.of(10, 20, 100, 200);
    public static final double TEMPERATURE = 0.07;

    private KnnClassifier() {}

    /** Top-1 accuracy on {@code validation} for each k, neighbours from {@code training}. */
    public static Map<Integer, Double> accuracy(LipSim metric, ImageFolder training, ImageFolder validation, List<Integer> ks,
            int batchSize, int decodeThreads) {
        if (!training.classes().equals(validation.classes())) {
            throw new IllegalArgumentException("the training and validation folders have different classes: "
                    + training.classes() + " and " + validation.classes());
        }
        int size = metric.model().config().imageSize();
        int classes = training.classes().size();
        int kMax = ks.stream().mapToInt(Integer::intValue).max().orElseThrow();
        long[] correct = new long[ks.size()];
        try (var scope = TensorScope.open()) {
            Tensor bank = embed(metric, training.items(), size, batchSize, decodeThreads);
            int[] bankLabels = training.items().stream().mapToInt(ImageFolder.Item::label).toArray();
            int k = Math.min(kMax, bankLabels.length);
            try (var batches = batches(validation.items(), size, batchSize, decodeThreads)) {
                for (ImageBatches.Batch<ImageFolder.Item> batch : batches) {
                    try (batch; var each = TensorScope.open()) {
                        var sorted = metric.embeddings(batch.images()).matmul(bank.t()).sort(1, true);
                        double[] similarities = sorted.values().narrow(1, 0, k).toDoubleArray();
                        long[] neighbours = sorted.indices().narrow(1, 0, k).toLongArray();
                        for (int q = 0; q < batch.items().size(); q++) {
                            for (int i = 0; i < ks.size(); i++) {
                                double[] votes = new double[classes];
                                for (int j = 0; j < Math.min(ks.get(i), k); j++) {
                                    votes[bankLabels[(int) neighbours[q * k + j]]] += Math.exp(similarities[q * k + j] / TEMPERATURE);
                                }
                                int predicted = 0;
                                for (int c = 1; c < classes; c++) {
                                    if (votes[c] > votes[predicted]) {
                                        predicted = c;
                                    }
                                }
                                correct[i] += predicted == batch.items().get(q).label() ? 1 : 0;
                            }
                        }
                    }
                }
            }
        }
        Map<Integer, Double> accuracy = new LinkedHashMap<>();
        for (int i = 0; i < ks.size(); i++) {
            accuracy.put(ks.get(i), correct[i] / (double) validation.items().size());
        }
        return accuracy;
    }

    private static Tensor embed(LipSim metric, List<ImageFolder.Item> items, int size, int batchSize, int decodeThreads) {
        List<Tensor> rows = new ArrayList<>();
        try (var scope = TensorScope.open(); var batches = batches(items, size, batchSize, decodeThreads)) {
            for (ImageBatches.Batch<ImageFolder.Item> batch : batches) {
                try (batch) {
                    rows.add(metric.embeddings(batch.images()));
                }
            }
            return scope.keep(Tensor.cat(rows, 0));
        }
    }

    private static ImageBatches<ImageFolder.Item> batches(List<ImageFolder.Item> items, int size, int batchSize,
            int decodeThreads) {
        return new ImageBatches<>(items, item -> resizedCrop(item.image(), size), batchSize, decodeThreads,
                ParallelLoader.OnError.FAIL);
    }

    /** Shorter side to {@code round(size * 256 / 224)} (bicubic), then the central {@code size x size}: {@code [1, 3, S, S]}. */
    static Tensor resizedCrop(Path file, int size) throws IOException {
        try (var scope = TensorScope.open()) {
            Tensor image = ImageDecoder.read(file);
            long height = image.size(1);
            long width = image.size(2);
            int shorter = (int) Math.round(size * 256.0 / 224);
            int newHeight = height <= width ? shorter : (int) (shorter * height / width);
            int newWidth = height <= width ? (int) (shorter * width / height) : shorter;
            return TensorScope.release(Transforms.centerCrop(Transforms.resize(image, newHeight, newWidth), size).unsqueeze(0));
        }
    }
}
