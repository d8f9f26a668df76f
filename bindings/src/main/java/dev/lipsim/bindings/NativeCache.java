package dev.lipsim.bindings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Extracts native libraries from class-path resources into a per-user cache folder, once.
 *
 * <p>The folder name holds the artifact version and a digest of every entry's name, size and
 * CRC (read from the jar's directory, so no library is read to compute it). A folder only ever
 * appears complete: files are extracted into a private temporary folder that is then renamed
 * atomically, so JVMs starting together never load a half-written library; the loser of a
 * race discards its copy and uses the winner's.
 */
final class NativeCache {

    private static final System.Logger LOG = System.getLogger(NativeCache.class.getName());

    private NativeCache() {}

    /** One library inside a jar on the class path. */
    record Resource(String path, URL url, long size, long crc) {
        String fileName() {
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }

    /** Finds {@code path} on the class path, or returns null. */
    static Resource find(ClassLoader loader, String path) {
        URL url = loader.getResource(path);
        if (url == null) {
            return null;
        }
        try {
            URLConnection connection = url.openConnection();
            if (connection instanceof JarURLConnection jar) {
                var entry = jar.getJarEntry();
                return new Resource(path, url, entry.getSize(), entry.getCrc());
            }
            Path file = Path.of(url.toURI());
            return new Resource(path, url, Files.size(file), Files.getLastModifiedTime(file).toMillis());
        } catch (IOException | URISyntaxException e) {
            throw new NativeLoadException("cannot read " + url + ": " + e.getMessage(), e);
        }
    }

    /** The cache folder holding all {@code resources}, extracting them first if needed. */
    static Path extract(Path cacheRoot, String version, List<Resource> resources) {
        Path target = cacheRoot.resolve(sanitize(version) + "-" + digest(resources));
        if (isComplete(target, resources)) {
            return target;
        }
        try {
            Files.createDirectories(cacheRoot);
            Path staging = Files.createTempDirectory(cacheRoot, target.getFileName() + ".partial-");
            try {
                for (Resource resource : resources) {
                    try (InputStream in = resource.url().openStream()) {
                        Files.copy(in, staging.resolve(resource.fileName()));
                    }
                }
                if (publish(staging, target)) {
                    LOG.log(System.Logger.Level.INFO, "extracted libtorch natives into {0}", target);
                }
            } finally {
                deleteRecursively(staging);
            }
        } catch (IOException e) {
            throw new NativeLoadException("cannot extract libtorch natives into " + target + ": " + e, e);
        }
        if (!isComplete(target, resources)) {
            throw new NativeLoadException("the native cache folder " + target
                    + " is incomplete or damaged; delete it and start again");
        }
        return target;
    }

    /** Renames the staging folder into place; false if a folder is already there. */
    private static boolean publish(Path staging, Path target) throws IOException {
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the cache folder's file system cannot rename atomically", e);
        } catch (FileSystemException e) {
            if (Files.isDirectory(target)) {
                return false; // another JVM published first (or a damaged folder is in the way: checked by the caller)
            }
            throw e;
        }
    }

    private static boolean isComplete(Path folder, List<Resource> resources) {
        if (!Files.isDirectory(folder)) {
            return false;
        }
        try {
            for (Resource resource : resources) {
                Path file = folder.resolve(resource.fileName());
                if (!Files.isRegularFile(file) || Files.size(file) != resource.size()) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String digest(List<Resource> resources) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Resource resource : resources) {
                sha.update((resource.path() + ":" + resource.size() + ":" + resource.crc() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    private static String sanitize(String version) {
        return version.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static void deleteRecursively(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
            for (Path path : all) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + folder, e);
        }
    }
}
