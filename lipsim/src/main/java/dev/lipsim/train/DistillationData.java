package dev.lipsim.train;

import dev.lipsim.data.ImageBatches;
import dev.lipsim.distributed.Replicas;
import dev.lipsim.data.ImageFolder;
import dev.lipsim.data.ParallelLoader;
import dev.lipsim.teacher.TeacherEmbeddings;
import dev.lipsim.tensor.Generator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The images of a distillation run, reshuffled every epoch, each with its two views
 * ({@link TwoViews}); the order and every item's seed follow from the run's seed and the epoch.
 */
public final class DistillationData implements TrainingData<TwoViews> {

    private final Path root;
    private final List<Path> images;
    private final int crop;
    private final int batchSize;
    private final long seed;
    private final int decodeThreads;
    private final Replicas replicas;

    /** {@code batchSize} images per replica and step. */
    public DistillationData(Path root, List<Path> images, int crop, int batchSize, long seed, int decodeThreads,
            Replicas replicas) {
        if (images.isEmpty() || batchSize < 1 || decodeThreads < 1) {
            throw new IllegalArgumentException("need images, a batch size >= 1 and decoding threads >= 1, got " + images.size()
                    + ", " + batchSize + ", " + decodeThreads);
        }
        this.root = root;
        this.images = List.copyOf(images);
        this.crop = crop;
        this.batchSize = batchSize;
        this.seed = seed;
        this.decodeThreads = decodeThreads;
        this.replicas = replicas;
    }

    /**
     * The training images under {@code folder}: {@code imagenet/train} inside it if it is laid
     * out as the reference expects, else every image below it, sorted by path.
     */
    public static List<Path> images(Path folder) throws IOException {
        Path reference = folder.resolve("imagenet").resolve("train");
        Path root = Files.isDirectory(reference) ? reference : folder;
        if (!Files.isDirectory(root)) {
            throw new IOException("image folder " + folder + " is not a folder");
        }
        try (Stream<Path> files = Files.walk(root)) {
            List<Path> found = files.filter(Files::isRegularFile).filter(ImageFolder::isImage).sorted().toList();
            if (found.isEmpty()) {
                throw new IOException("image folder " + root + " has no images (extensions " + ImageFolder.EXTENSIONS + ")");
            }
            return found;
        }
    }

    /** The folder keys are relative to: {@code imagenet/train} in the reference's layout, else the folder itself. */
    public static Path keyRoot(Path folder) {
        Path reference = folder.resolve("imagenet").resolve("train");
        return Files.isDirectory(reference) ? reference : folder;
    }

    @Override
    public long samples() {
        return images.size();
    }

    @Override
    public int batchSize() {
        return batchSize * replicas.worldSize();
    }

    /** The items of {@code epoch} in order, each with its own seed. */
    List<TwoViews> order(long epoch) {
        long epochSeed = seed ^ (epoch * 0x9E3779B97F4A7C15L);
        List<Path> shuffled = ParallelLoader.shuffled(images, epochSeed);
        Generator seeds = new Generator(~epochSeed);
        List<TwoViews> items = new ArrayList<>(shuffled.size());
        for (Path image : shuffled) {
            items.add(new TwoViews(image, TeacherEmbeddings.key(root, image), seeds.nextLong()));
        }
        return items;
    }

    @Override
    public Pass<ImageBatches.Batch<TwoViews>> epoch(long epoch, long firstBatch) {
        List<TwoViews> all = order(epoch);
        List<TwoViews> rest = all.subList((int) Math.min(all.size(), firstBatch * batchSize()), all.size());
        var batches = new ImageBatches<>(TrainingData.shard(rest, batchSize, replicas), item -> item.decode(crop), batchSize,
                decodeThreads, ParallelLoader.OnError.FAIL);
        return Pass.over(batches);
    }
}
