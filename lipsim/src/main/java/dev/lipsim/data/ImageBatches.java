package dev.lipsim.data;

import dev.lipsim.image.ImageDecoder;
import dev.lipsim.image.Transforms;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The one way files become model inputs: each item (an image, a 2AFC triplet) names its image
 * files; worker threads decode them and resize them to the model's square input (bicubic,
 * antialiased, values in [0, 1]); the consumer gets batches of items with their images stacked.
 * Embedding, evaluation and training all read their data through this class.
 *
 * @param <I> the items
 */
public final class ImageBatches<I> implements Iterable<ImageBatches.Batch<I>>, AutoCloseable {

    /** The image files of an item, the same number for every item (its roles, e.g. reference, left, right). */
    @FunctionalInterface
    public interface Files<I> {
        List<Path> of(I item);
    }

    /**
     * Makes an item's images, {@code [roles, 3, S, S]}, the same number for every item (for
     * example two augmented views of one file); throws with a message naming the file when it
     * cannot.
     */
    @FunctionalInterface
    public interface Decoder<I> {
        Tensor decode(I item) throws IOException;
    }

    /**
     * Items and their images {@code [roles * n, 3, S, S]}, grouped by role: the first image of
     * every item, then the second of every item, and so on. The batch owns the images.
     */
    public record Batch<I>(List<I> items, Tensor images, int roles) implements AutoCloseable {

        /** The images of one role, {@code [n, 3, S, S]} (a view into {@link #images}). */
        public Tensor role(int role) {
            return images.narrow(0, (long) role * items.size(), items.size());
        }

        @Override
        public void close() {
            images.close();
        }
    }

    /** One item's images, {@code [roles, 3, S, S]}, owned by whoever holds the record. */
    private record Decoded<I>(I item, Tensor images) {}

    private final ParallelLoader<I, Decoded<I>> loader;

    /** Each item's files, resized to {@code imageSize} (see {@link #preprocess}). */
    public ImageBatches(List<I> items, Files<I> files, int imageSize, int batchSize, int threads,
            ParallelLoader.OnError onError) {
        this(items, item -> decode(files.of(item), imageSize), batchSize, threads, onError);
    }

    public ImageBatches(List<I> items, Decoder<I> decoder, int batchSize, int threads, ParallelLoader.OnError onError) {
        this.loader = new ParallelLoader<>(items, item -> new Decoded<>(item, decoder.decode(item)), batchSize, threads,
                2 * batchSize, onError, decoded -> decoded.images().close());
    }

    /** The image in {@code file} as a model takes it: {@code [3, size, size]} in [0, 1]. */
    public static Tensor preprocess(Path file, int size) throws IOException {
        try (var scope = TensorScope.open()) {
            return scope.keep(Transforms.resize(ImageDecoder.read(file), size, size));
        }
    }

    private static Tensor decode(List<Path> files, int size) throws IOException {
        try (var scope = TensorScope.open()) {
            List<Tensor> images = new ArrayList<>(files.size());
            for (Path file : files) {
                images.add(preprocess(file, size));
            }
            return TensorScope.release(Tensor.stack(images, 0));
        }
    }

    /** Items that could not be read and were skipped, each as {@code item: reason}. */
    public List<String> skipped() {
        return loader.skipped();
    }

    /** One pass over the items in their order; each batch must be closed by the consumer. */
    @Override
    public Iterator<Batch<I>> iterator() {
        Iterator<List<Decoded<I>>> batches = loader.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return batches.hasNext();
            }

            @Override
            public Batch<I> next() {
                List<Decoded<I>> decoded = batches.next();
                try (var scope = TensorScope.open()) {
                    // [roles, n, 3, S, S] -> [roles * n, 3, S, S]: role-major
                    Tensor stacked = Tensor.stack(decoded.stream().map(Decoded::images).toList(), 1);
                    long[] shape = stacked.shape();
                    Tensor grouped = stacked.reshape(shape[0] * shape[1], shape[2], shape[3], shape[4]);
                    return new Batch<>(decoded.stream().map(Decoded::item).toList(), scope.keep(grouped), (int) shape[0]);
                } finally {
                    decoded.forEach(d -> d.images().close());
                }
            }
        };
    }

    @Override
    public void close() {
        loader.close();
    }
}
