package dev.lipsim.teacher;

import dev.lipsim.data.ImageBatches;
import dev.lipsim.data.ParallelLoader;
import dev.lipsim.image.ImageDecoder;
import dev.lipsim.image.Transforms;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Precomputes a teacher's targets for distillation. The teacher only ever sees the centre crop
 * of an image, flipped or not, so running it once per image and flip gives every target an
 * epoch can ask for: the reference runs its ensemble on every image in every epoch instead.
 * Output: a new folder of {@code embeddings-NNNNN.safetensors} shards (see {@link PrecomputedTeacher}).
 */
public final class TeacherEmbeddings {

    /** Metadata key naming the teacher. */
    public static final String TEACHER = "lipsim.teacher";
    /** Metadata key holding the crop size the views were made at. */
    public static final String CROP = "lipsim.crop";
    /** Images per shard: 10,000 images, two views each, are 143 MB at 1,792 dimensions. */
    static final int IMAGES_PER_SHARD = 10_000;
    private static final int BATCH = 16;

    private TeacherEmbeddings() {}

    /** What was written: the folder, the images embedded and the views (two per image). */
    public record Written(Path folder, int images, int views, int shards) {}

    /**
     * Runs {@code teacher} on the centre crop ({@code crop x crop}, zero-padded if smaller) of
     * every image under {@code root}, flipped and not, and writes the embeddings into the new or
     * empty folder {@code output}. Keys are paths relative to {@code root}.
     */
    public static Written write(Teacher teacher, Path root, List<Path> images, int crop, Path output, int decodeThreads)
            throws IOException {
        requireEmptyFolder(output);
        int written = 0;
        int shards = 0;
        Map<String, Tensor> shard = new LinkedHashMap<>();
        try (var batches = new ImageBatches<>(images, file -> views(file, crop), BATCH, decodeThreads,
                ParallelLoader.OnError.FAIL)) {
            for (ImageBatches.Batch<Path> batch : batches) {
                try (batch; var scope = TensorScope.open()) {
                    List<Teacher.View> views = new ArrayList<>();
                    for (boolean flipped : new boolean[] {false, true}) {
                        batch.items().forEach(file -> views.add(new Teacher.View(key(root, file), flipped)));
                    }
                    Tensor embeddings = teacher.embed(views, batch.images());
                    for (int i = 0; i < views.size(); i++) {
                        shard.put(views.get(i).name(), TensorScope.release(embeddings.select(0, i).clone()));
                    }
                }
                written += batch.items().size();
                if (shard.size() >= 2 * IMAGES_PER_SHARD) {
                    writeShard(output, shards++, shard, teacher, crop);
                }
            }
            if (!shard.isEmpty()) {
                writeShard(output, shards++, shard, teacher, crop);
            }
        } finally {
            shard.values().forEach(Tensor::close);
        }
        return new Written(output, written, 2 * written, shards);
    }

    /** An image's path relative to {@code root}, with {@code /} separators: the key of its views. */
    public static String key(Path root, Path file) {
        return root.relativize(file).toString().replace(java.io.File.separatorChar, '/');
    }

    /** The centre crop and its mirror image, {@code [2, 3, crop, crop]}. */
    private static Tensor views(Path file, int crop) throws IOException {
        try (var scope = TensorScope.open()) {
            Tensor cropped = Transforms.centerCrop(ImageDecoder.read(file), crop);
            return TensorScope.release(Tensor.stack(List.of(cropped, Transforms.horizontalFlip(cropped)), 0));
        }
    }

    private static void writeShard(Path output, int index, Map<String, Tensor> shard, Teacher teacher, int crop)
            throws IOException {
        Path file = output.resolve(String.format(Locale.ROOT, "embeddings-%05d.safetensors", index));
        SafeTensors.write(file, shard, Map.of(TEACHER, teacher.name(), CROP, Integer.toString(crop)));
        shard.values().forEach(Tensor::close);
        shard.clear();
    }

    private static void requireEmptyFolder(Path output) throws IOException {
        if (Files.exists(output)) {
            if (!Files.isDirectory(output)) {
                throw new IOException(output + " exists and is not a folder; teacher embeddings go into a new or empty folder");
            }
            try (Stream<Path> entries = Files.list(output)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException(output + " is not empty; teacher embeddings go into a new or empty folder");
                }
            }
        }
        Files.createDirectories(output);
    }
}
