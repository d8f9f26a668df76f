package dev.lipsim.cli;

import dev.lipsim.tensor.io.InputFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Turns command-line image arguments (files or folders, searched recursively) into image files. */
final class ImageArguments {

    private static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp", ".gif");

    private ImageArguments() {}

    static List<Path> expand(List<String> arguments) throws UsageException, IOException {
        if (arguments.isEmpty()) {
            throw new UsageException("no images given");
        }
        List<Path> images = new ArrayList<>();
        for (String argument : arguments) {
            Path path = Path.of(argument);
            if (Files.isDirectory(path)) {
                try (Stream<Path> files = Files.walk(path)) {
                    List<Path> found = files.filter(Files::isRegularFile).filter(ImageArguments::isImage).sorted().toList();
                    if (found.isEmpty()) {
                        throw new UsageException(path + ": no images in this folder");
                    }
                    images.addAll(found);
                }
            } else {
                try {
                    images.add(InputFiles.requireRegular(path, "image"));
                } catch (IOException e) {
                    throw new UsageException(e.getMessage());
                }
            }
        }
        return images;
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(name::endsWith);
    }
}
