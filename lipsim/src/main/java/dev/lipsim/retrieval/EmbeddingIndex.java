package dev.lipsim.retrieval;

import dev.lipsim.metric.LipSim;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Unit embeddings of images, keyed by the image's path, as {@code lipsim embed --output
 * FILE.safetensors} writes them. Beside the model's configuration and embedding map, the file
 * holds the embedding of a fixed probe image, so that reading it back with other weights than the
 * ones that wrote it is refused instead of giving silently wrong neighbours.
 */
public final class EmbeddingIndex implements AutoCloseable {

    private static final String CONFIG = "lipsim.config";
    private static final String EMBEDDING = "lipsim.embedding";
    private static final String PROBE = "lipsim.probe";
    private static final double PROBE_TOLERANCE = 1e-4;

    private final List<String> keys;
    private final Tensor embeddings;

    private EmbeddingIndex(List<String> keys, Tensor embeddings) {
        this.keys = List.copyOf(keys);
        this.embeddings = TensorScope.release(embeddings);
    }

    /** Writes {@code embeddings} (rows {@code [D]}, by key) made by {@code metric}. */
    public static void write(Path file, LipSim metric, Map<String, Tensor> embeddings) throws IOException {
        SafeTensors.write(file, embeddings, Map.of(CONFIG, metric.model().config().toJson(), EMBEDDING,
                metric.embeddingMap().label(), PROBE, Arrays.stream(probe(metric)).mapToObj(Double::toString)
                        .collect(Collectors.joining(","))));
    }

    /** Reads an index written by {@link #write}, refusing one that {@code metric} did not make. */
    public static EmbeddingIndex read(Path file, LipSim metric) throws IOException {
        try (var scope = TensorScope.open()) {
            SafeTensors.Contents contents = SafeTensors.read(file);
            Map<String, String> metadata = contents.metadata();
            if (!metadata.containsKey(PROBE) || !metadata.containsKey(CONFIG)) {
                throw new IOException(file + " is not an index of embeddings from lipsim embed --output FILE.safetensors");
            }
            if (!metric.model().config().toJson().equals(metadata.get(CONFIG))
                    || !metric.embeddingMap().label().equals(metadata.get(EMBEDDING))) {
                throw new IOException(file + " was embedded by another model (" + metadata.get(CONFIG) + ", embedding "
                        + metadata.get(EMBEDDING) + "); use the same checkpoint and --embedding");
            }
            double[] expected = Arrays.stream(metadata.get(PROBE).split(",")).mapToDouble(Double::parseDouble).toArray();
            double[] actual = probe(metric);
            for (int i = 0; i < actual.length; i++) {
                if (expected.length != actual.length || Math.abs(expected[i] - actual[i]) > PROBE_TOLERANCE) {
                    throw new IOException(file + " was embedded with other weights than this model's (same configuration,"
                            + " different checkpoint); use the checkpoint that embedded it");
                }
            }
            if (contents.tensors().isEmpty()) {
                throw new IOException(file + " holds no embeddings");
            }
            List<String> keys = new ArrayList<>(contents.tensors().keySet());
            Tensor stacked = Tensor.stack(List.copyOf(contents.tensors().values()), 0).to(DType.FLOAT32);
            return new EmbeddingIndex(keys, scope.keep(stacked));
        }
    }

    /** The embedding of a fixed pseudo-random image: a fingerprint of the weights. */
    private static double[] probe(LipSim metric) {
        int size = metric.model().config().imageSize();
        try (var scope = TensorScope.open()) {
            Tensor image = Tensor.rand(new Generator(20_250_101), new long[] {1, 3, size, size}, DType.FLOAT32, Device.CPU);
            return metric.embeddings(image).toDoubleArray();
        }
    }

    public List<String> keys() {
        return keys;
    }

    /** The embeddings {@code [M, D]}, in the order of {@link #keys}; owned by the index. */
    public Tensor embeddings() {
        return embeddings;
    }

    /** The position of {@code name}: a key, or the file name of exactly one key. */
    public int find(String name) {
        int exact = keys.indexOf(name);
        if (exact >= 0) {
            return exact;
        }
        String fileName = Path.of(name).getFileName().toString();
        List<Integer> found = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            if (Path.of(keys.get(i)).getFileName().toString().equals(fileName)) {
                found.add(i);
            }
        }
        if (found.size() != 1) {
            throw new IllegalArgumentException(found.isEmpty() ? "'" + name + "' is not in the index"
                    : "'" + name + "' matches " + found.size() + " images of the index by file name; give its full key");
        }
        return found.getFirst();
    }

    @Override
    public void close() {
        embeddings.close();
    }
}
