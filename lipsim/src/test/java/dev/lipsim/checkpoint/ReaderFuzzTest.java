package dev.lipsim.checkpoint;

import static org.junit.jupiter.api.Assertions.fail;

import dev.lipsim.image.ImageDecoder;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated and truncated files fed to every reader of untrusted input: {@code .pth} (its zip and,
 * re-zipped, its pickle), safetensors, and image headers. Each must load or fail with a clean
 * {@link IOException} (or {@link IllegalArgumentException}) that has a message, within seconds: a
 * JVM crash, another exception, an error or a hang fails the test. Seeded, so a finding reproduces;
 * the files of earlier findings are in {@code fixtures/fuzz} and run first.
 */
class ReaderFuzzTest {

    private static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    private static final int CASES_PER_SEED = 400;
    private static final long SEED = Long.getLong("lipsim.fuzzSeed", 20261130L);
    private static final ExecutorService RUNNER = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "fuzz-case");
        thread.setDaemon(true);
        return thread;
    });

    @TempDir
    Path work;

    /** A reader of one kind of file. */
    @FunctionalInterface
    private interface Reader {
        void read(Path file) throws Exception;
    }

    @AfterAll
    static void stop() {
        RUNNER.shutdownNow();
    }

    @Test
    void earlierFindingsStayFixed() throws Exception {
        try (Stream<Path> files = Files.list(FIXTURES.resolve("fuzz"))) {
            for (Path file : files.sorted().toList()) {
                String name = file.getFileName().toString();
                check(name.endsWith(".pth") ? ReaderFuzzTest::readPth : name.endsWith(".safetensors")
                        ? ReaderFuzzTest::readSafeTensors : ImageDecoder::read, file, "corpus " + name);
            }
        }
    }

    @Test
    void mutatedCheckpointsFailCleanly() throws Exception {
        Random random = new Random(SEED);
        List<Path> seeds = new ArrayList<>(List.of(FIXTURES.resolve("model.ckpt-1234.pth")));
        try (Stream<Path> hostile = Files.list(FIXTURES.resolve("hostile"))) {
            seeds.addAll(hostile.sorted().toList());
        }
        for (Path seed : seeds) {
            byte[] original = Files.readAllBytes(seed);
            for (int i = 0; i < CASES_PER_SEED; i++) {
                byte[] mutated = i % 2 == 0 ? mutate(original, random) : mutatePickle(original, random);
                run(ReaderFuzzTest::readPth, mutated, ".pth", seed.getFileName() + " case " + i);
            }
        }
    }

    @Test
    void mutatedSafeTensorsAndImagesFailCleanly() throws Exception {
        Random random = new Random(SEED + 1);
        byte[] safetensors = Files.readAllBytes(FIXTURES.resolve("model.ckpt-1234.expected.safetensors"));
        for (int i = 0; i < CASES_PER_SEED; i++) {
            run(ReaderFuzzTest::readSafeTensors, i % 2 == 0 ? mutate(safetensors, random) : mutateHeader(safetensors, random),
                    ".safetensors", "safetensors case " + i);
        }
        try (Stream<Path> images = Files.list(FIXTURES.resolve("images"))) {
            for (Path image : images.sorted().toList()) {
                byte[] original = Files.readAllBytes(image);
                String name = image.getFileName().toString();
                for (int i = 0; i < CASES_PER_SEED / 4; i++) {
                    run(ImageDecoder::read, mutate(original, random), name.substring(name.lastIndexOf('.')), name + " case " + i);
                }
            }
        }
    }

    private void run(Reader reader, byte[] content, String extension, String what) throws Exception {
        Path file = Files.write(work.resolve("case" + extension), content);
        try {
            check(reader, file, what);
        } catch (AssertionError e) {
            Path findings = Files.createDirectories(Path.of("target/fuzz-findings")); // to become corpus files
            Path kept = Files.copy(file, findings.resolve(what.replaceAll("\\W+", "-") + extension),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            throw new AssertionError(e.getMessage() + " (the file: " + kept + ")", e);
        }
    }

    private static void check(Reader reader, Path file, String what) throws Exception {
        Future<?> result = RUNNER.submit(() -> {
            try (var scope = TensorScope.open()) {
                reader.read(file);
            }
            return null;
        });
        try {
            result.get(20, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            fail(what + ": no answer within 20 s");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            boolean clean = (cause instanceof IOException || cause instanceof IllegalArgumentException) && cause.getMessage() != null
                    && !cause.getMessage().isBlank();
            if (!clean) {
                throw new AssertionError(what + ": " + cause, cause);
            }
        }
    }

    private static void readPth(Path file) throws IOException {
        Checkpoint.load(file, 4).close();
    }

    private static void readSafeTensors(Path file) throws IOException {
        SafeTensors.read(file);
    }

    /** Flipped bits, overwritten bytes, boundary integers, a cut, or inserted bytes. */
    private static byte[] mutate(byte[] original, Random random) {
        byte[] bytes = original.clone();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && bytes.length > 8; e++) {
            int at = random.nextInt(bytes.length - 8);
            switch (random.nextInt(5)) {
                case 0 -> bytes[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> bytes[at] = (byte) random.nextInt(256);
                case 2 -> ByteBuffer.wrap(bytes, at, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(boundary(random));
                case 3 -> bytes = java.util.Arrays.copyOf(bytes, at);
                default -> {
                    byte[] inserted = new byte[1 + random.nextInt(16)];
                    random.nextBytes(inserted);
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    out.write(bytes, 0, at);
                    out.writeBytes(inserted);
                    out.write(bytes, at, bytes.length - at);
                    bytes = out.toByteArray();
                }
            }
        }
        return bytes;
    }

    private static long boundary(Random random) {
        long[] values = {0, -1, 1, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32, 1L << 62,
            0xFFFF, 0x7FFF};
        return values[random.nextInt(values.length)];
    }

    /** The archive with its pickle mutated and the zip rewritten around it, so that the zip's own checks pass. */
    private static byte[] mutatePickle(byte[] archive, Random random) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var in = new ZipInputStream(new java.io.ByteArrayInputStream(archive)); var zip = new ZipOutputStream(out)) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                byte[] content = in.readAllBytes();
                zip.putNextEntry(new ZipEntry(entry.getName()));
                zip.write(entry.getName().endsWith("data.pkl") ? mutate(content, random) : content);
                zip.closeEntry();
            }
        } catch (IOException | IllegalArgumentException e) {
            return mutate(archive, random); // a seed that is not a readable zip: mutate it as bytes
        }
        return out.toByteArray();
    }

    /** The safetensors JSON header with a random edit in its text (numbers, brackets, quotes). */
    private static byte[] mutateHeader(byte[] file, Random random) {
        long length = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] bytes = file.clone();
        String alphabet = "0123456789-[]{}\",:e.";
        for (int e = 0; e < 1 + random.nextInt(3); e++) {
            bytes[8 + random.nextInt((int) length)] = (byte) alphabet.charAt(random.nextInt(alphabet.length()));
        }
        return bytes;
    }
}
