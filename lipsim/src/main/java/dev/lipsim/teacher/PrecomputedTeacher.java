package dev.lipsim.teacher;

import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Target embeddings computed ahead by another teacher and read back by view name: safetensors
 * files (one, or a folder of them) in the format {@link TeacherEmbeddings} writes. Each tensor
 * is one view's float32 embedding {@code [D]}, named by {@link Teacher.View#name()}; the metadata
 * names the teacher ({@code lipsim.teacher}). Files are memory-mapped, so a set larger than
 * memory (ImageNet's is 18 GB) is read as it is needed.
 */
public final class PrecomputedTeacher implements Teacher {

    private final Path location;
    private final List<SafeTensorsFile> files;
    private final Map<String, SafeTensorsFile> byView;
    private final String name;
    private final int dimension;

    private PrecomputedTeacher(Path location, List<SafeTensorsFile> files, Map<String, SafeTensorsFile> byView, String name,
            int dimension) {
        this.location = location;
        this.files = files;
        this.byView = byView;
        this.name = name;
        this.dimension = dimension;
    }

    /** Opens {@code location}: a {@code .safetensors} file or a folder of them. */
    public static PrecomputedTeacher open(Path location) throws IOException {
        List<Path> paths;
        if (Files.isDirectory(location)) {
            try (Stream<Path> listed = Files.list(location)) {
                paths = listed.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            }
        } else if (Files.isRegularFile(location)) {
            paths = List.of(location);
        } else {
            throw new IOException("precomputed teacher embeddings " + location + ": no such file or folder");
        }
        if (paths.isEmpty()) {
            throw new IOException("precomputed teacher embeddings " + location + ": no .safetensors files in the folder");
        }
        List<SafeTensorsFile> files = new ArrayList<>();
        try {
            Map<String, SafeTensorsFile> byView = new HashMap<>();
            String name = null;
            int dimension = -1;
            for (Path path : paths) {
                SafeTensorsFile file = SafeTensorsFile.open(path);
                files.add(file);
                String teacher = file.metadata().get(TeacherEmbeddings.TEACHER);
                if (teacher == null || (name != null && !name.equals(teacher))) {
                    throw new IOException(path + ": " + (teacher == null ? "not a file of teacher embeddings (no "
                            + TeacherEmbeddings.TEACHER + " metadata)" : "embeddings of teacher '" + teacher + "', the others are '"
                            + name + "'"));
                }
                name = teacher;
                for (String view : file.names()) {
                    long[] shape = file.entry(view).shape();
                    if (shape.length != 1 || (dimension >= 0 && shape[0] != dimension)) {
                        throw new IOException(path + ": embedding '" + view + "' has shape " + java.util.Arrays.toString(shape)
                                + (dimension >= 0 ? ", the others [" + dimension + "]" : ", not [D]"));
                    }
                    dimension = (int) shape[0];
                    byView.put(view, file);
                }
            }
            return new PrecomputedTeacher(location, files, byView, name, dimension);
        } catch (IOException | RuntimeException e) {
            files.forEach(SafeTensorsFile::close);
            throw e;
        }
    }

    /** The name of the teacher that computed the embeddings. */
    @Override
    public String name() {
        return name;
    }

    @Override
    public int dimension() {
        return dimension;
    }

    /** Number of views held. */
    public int size() {
        return byView.size();
    }

    /** The stored embeddings of {@code views} (the pixels are not looked at). */
    @Override
    public Tensor embed(List<View> views, Tensor images) {
        try (var scope = TensorScope.open()) {
            List<Tensor> rows = new ArrayList<>(views.size());
            for (View view : views) {
                SafeTensorsFile file = byView.get(view.name());
                if (file == null) {
                    throw new IllegalArgumentException("no precomputed embedding of " + view.key() + (view.flipped()
                            ? " (flipped)" : "") + " in " + location + "; compute them with lipsim embed --teacher for this"
                            + " image folder");
                }
                rows.add(file.read(view.name()));
            }
            return scope.keep(Tensor.stack(rows, 0));
        }
    }

    @Override
    public void close() {
        files.forEach(SafeTensorsFile::close);
    }
}
