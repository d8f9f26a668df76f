package dev.lipsim.bindings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeCacheTest {

    @TempDir
    Path work;

    @Test
    void extractsOnceAndConcurrentJvmsAgreeOnOneCompleteFolder() throws Exception {
        byte[] first = randomBytes(3_000_000, 1);
        byte[] second = randomBytes(1000, 2);
        Path jar = jar(work.resolve("natives.jar"), "lib/one.so", first, "lib/two.so.1", second);
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[] {jar.toUri().toURL()}, null)) {
            List<NativeCache.Resource> resources = List.of(NativeCache.find(loader, "lib/one.so"),
                    NativeCache.find(loader, "lib/two.so.1"));
            assertNull(NativeCache.find(loader, "lib/missing.so"));
            Path root = work.resolve("cache");

            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Callable<Path> extract = () -> NativeCache.extract(root, "v1", resources);
                results.add(pool.submit(extract));
            }
            Path folder = results.get(0).get();
            for (Future<Path> result : results) {
                assertEquals(folder, result.get());
            }
            pool.shutdown();

            assertArrayEquals(first, Files.readAllBytes(folder.resolve("one.so")));
            assertArrayEquals(second, Files.readAllBytes(folder.resolve("two.so.1")));
            try (Stream<Path> entries = Files.list(root)) {
                assertEquals(List.of(folder), entries.toList(), "no partial folders are left behind");
            }
            var modified = Files.getLastModifiedTime(folder.resolve("one.so"));
            assertEquals(folder, NativeCache.extract(root, "v1", resources));
            assertEquals(modified, Files.getLastModifiedTime(folder.resolve("one.so")), "a complete folder is reused");
            assertTrue(folder.getFileName().toString().startsWith("v1-"));
        }
    }

    @Test
    void aDamagedFolderIsReplacedOrReported() throws Exception {
        Path jar = jar(work.resolve("natives.jar"), "lib/one.so", randomBytes(100, 3), "lib/two.so", randomBytes(10, 4));
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[] {jar.toUri().toURL()}, null)) {
            List<NativeCache.Resource> resources = List.of(NativeCache.find(loader, "lib/one.so"),
                    NativeCache.find(loader, "lib/two.so"));
            Path folder = NativeCache.extract(work.resolve("cache"), "v1", resources);
            Files.write(folder.resolve("one.so"), new byte[5]);
            var error = org.junit.jupiter.api.Assertions.assertThrows(NativeLoadException.class,
                    () -> NativeCache.extract(work.resolve("cache"), "v1", resources));
            assertTrue(error.getMessage().contains(folder.toString()), error.getMessage());
            assertTrue(error.getMessage().contains("delete it"), error.getMessage());
        }
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static Path jar(Path file, String name1, byte[] content1, String name2, byte[] content2) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out)) {
            jar.putNextEntry(new JarEntry(name1));
            jar.write(content1);
            jar.closeEntry();
            jar.putNextEntry(new JarEntry(name2));
            jar.write(content2);
            jar.closeEntry();
        }
        return file;
    }
}
