package dev.lipsim.ffmgen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command line: {@code GenerateBindings HEADER OUTPUT_DIR PACKAGE CLASS [LIBRARY...]}. Writes
 * {@code OUTPUT_DIR/<package path>/CLASS.java}, leaving the file untouched when its content would
 * not change (so incremental builds stay incremental).
 */
public final class GenerateBindings {

    private GenerateBindings() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            throw new IllegalArgumentException(
                    "usage: GenerateBindings HEADER OUTPUT_DIR PACKAGE CLASS [LIBRARY...], got " + List.of(args));
        }
        Path header = Path.of(args[0]);
        Path outputDir = Path.of(args[1]);
        String packageName = args[2];
        String className = args[3];
        List<String> libraries = new ArrayList<>(List.of(args).subList(4, args.length));

        String source = generate(Files.readString(header, StandardCharsets.UTF_8), header.getFileName().toString(),
                packageName, className, libraries);
        Path target = outputDir.resolve(packageName.replace('.', '/')).resolve(className + ".java");
        if (Files.exists(target) && Files.readString(target, StandardCharsets.UTF_8).equals(source)) {
            return;
        }
        Files.createDirectories(target.getParent());
        Path temporary = Files.createTempFile(target.getParent(), className, ".tmp");
        Files.writeString(temporary, source, StandardCharsets.UTF_8);
        Files.move(temporary, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The Java source for {@code headerSource}. */
    public static String generate(String headerSource, String headerName, String packageName, String className,
            List<String> libraries) {
        CDeclarations declarations = CHeaderParser.parse(headerSource, headerName);
        return new JextractStyleWriter(packageName, className, libraries, headerName).write(declarations);
    }

    /** The names of the functions {@code headerSource} declares, in order (used by tests). */
    public static List<String> functionNames(String headerSource, String headerName) {
        return CHeaderParser.parse(headerSource, headerName).functions().stream()
                .map(CDeclarations.Function::name)
                .toList();
    }
}
