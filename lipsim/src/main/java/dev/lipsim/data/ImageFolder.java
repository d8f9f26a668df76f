package dev.lipsim.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Images in class subfolders ({@code root/<class>/<image>}), as torchvision's
 * {@code ImageFolder}: classes sorted by name get indices 0, 1, ...; images sorted by path.
 */
public final class ImageFolder {

    /** Extensions counted as images (lower case). */
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif", "ppm", "tif", "tiff", "webp");

    /** One image and its class. */
    public record Item(Path image, int label) {}

    private final List<String> classes;
    private final List<Item> items;

    private ImageFolder(List<String> classes, List<Item> items) {
        this.classes = classes;
        this.items = items;
    }

    public static ImageFolder load(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("image folder " + root + " is not a folder");
        }
        List<Path> classFolders;
        try (Stream<Path> entries = Files.list(root)) {
            classFolders = entries.filter(Files::isDirectory).sorted().toList();
        }
        if (classFolders.isEmpty()) {
            throw new IOException("image folder " + root + " has no class subfolders");
        }
        List<String> classes = new ArrayList<>();
        List<Item> items = new ArrayList<>();
        for (Path folder : classFolders) {
            int label = classes.size();
            classes.add(folder.getFileName().toString());
            try (Stream<Path> files = Files.walk(folder)) {
                files.filter(Files::isRegularFile).filter(ImageFolder::isImage).sorted()
                        .forEach(image -> items.add(new Item(image, label)));
            }
        }
        if (items.isEmpty()) {
            throw new IOException("image folder " + root + " has no images (extensions " + EXTENSIONS + ")");
        }
        return new ImageFolder(List.copyOf(classes), List.copyOf(items));
    }

    /** Whether the file name has one of {@link #EXTENSIONS}. */
    public static boolean isImage(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    public List<String> classes() {
        return classes;
    }

    public List<Item> items() {
        return items;
    }
}
