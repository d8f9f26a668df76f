package dev.lipsim.eval;

import dev.lipsim.data.ImageBatches;
import dev.lipsim.data.ParallelLoader;
import dev.lipsim.metric.LipSim;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Embeddings of image files under a metric, computed in batches while worker threads decode the
 * next images.
 *
 * @param embeddings one row {@code [F]} per image that could be read, in the given order; owned by this result
 * @param skipped images that could not be read ({@link ParallelLoader.OnError#SKIP}), each as {@code file: reason}
 */
public record Embeddings(Map<Path, Tensor> embeddings, List<String> skipped) implements AutoCloseable {

    /** Images embedded per forward pass. */
    public static final int BATCH = 16;

    /**
     * Embeds {@code files}; an unreadable file stops with {@link ParallelLoader.LoadFailure}
     * naming it ({@link ParallelLoader.OnError#FAIL}) or is skipped.
     */
    public static Embeddings of(LipSim metric, List<Path> files, int decodeThreads, ParallelLoader.OnError onError) {
        Map<Path, Tensor> embeddings = new LinkedHashMap<>();
        try (var batches = new ImageBatches<>(files, List::of, metric.model().config().imageSize(), BATCH, decodeThreads,
                onError)) {
            for (ImageBatches.Batch<Path> batch : batches) {
                try (batch; var scope = TensorScope.open()) {
                    Tensor rows = metric.embeddings(batch.images());
                    for (int i = 0; i < batch.items().size(); i++) {
                        embeddings.put(batch.items().get(i), TensorScope.release(rows.select(0, i).clone()));
                    }
                }
            }
            return new Embeddings(embeddings, batches.skipped());
        } catch (RuntimeException e) {
            embeddings.values().forEach(Tensor::close);
            throw e;
        }
    }

    @Override
    public void close() {
        embeddings.values().forEach(Tensor::close);
    }
}
