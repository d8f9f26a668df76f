package dev.lipsim.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A BAPPS (LPIPS) 2AFC folder, e.g. {@code 2afc/val/traditional}: {@code ref/}, {@code p0/},
 * {@code p1/} with images of the same names, and {@code judge/} with one {@code .npy} per
 * triplet holding the fraction of people who preferred {@code p1}.
 */
public final class BappsDataset {

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|=]?)([fi])(\\d)'");

    private BappsDataset() {}

    public static List<TwoAfcSample> load(Path folder) throws IOException {
        for (String part : List.of("ref", "p0", "p1", "judge")) {
            if (!Files.isDirectory(folder.resolve(part))) {
                throw new IOException("BAPPS folder " + folder + " has no " + part + "/ folder");
            }
        }
        List<TwoAfcSample> samples = new ArrayList<>();
        try (Stream<Path> judgments = Files.list(folder.resolve("judge"))) {
            for (Path judgment : judgments.filter(p -> p.toString().endsWith(".npy")).sorted().toList()) {
                String stem = judgment.getFileName().toString().replaceFirst("\\.npy$", "");
                Path reference = image(folder.resolve("ref"), stem);
                samples.add(new TwoAfcSample(stem, reference, image(folder.resolve("p0"), stem),
                        image(folder.resolve("p1"), stem), readScalar(judgment)));
            }
        }
        if (samples.isEmpty()) {
            throw new IOException("BAPPS folder " + folder + " has no judge/*.npy files");
        }
        return samples;
    }

    private static Path image(Path folder, String stem) throws IOException {
        for (String extension : List.of(".png", ".jpg", ".jpeg", ".bmp")) {
            Path candidate = folder.resolve(stem + extension);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IOException(folder + " has no image named " + stem + " (for judge/" + stem + ".npy)");
    }

    /** The single value of a little-endian float or int {@code .npy} array of one element. */
    static double readScalar(Path npy) throws IOException {
        byte[] bytes = Files.readAllBytes(npy);
        if (bytes.length < 10 || bytes[0] != (byte) 0x93 || !new String(bytes, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException(npy + " is not a .npy file");
        }
        int major = bytes[6];
        int headerLength = major == 1
                ? ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF
                : ByteBuffer.wrap(bytes, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int start = major == 1 ? 10 : 12;
        if (start + headerLength > bytes.length) {
            throw new IOException(npy + " is truncated");
        }
        String header = new String(bytes, start, headerLength, StandardCharsets.US_ASCII);
        Matcher m = DESCR.matcher(header);
        if (!m.find() || m.group(1).equals(">")) {
            throw new IOException(npy + ": unsupported array type in header " + header.strip());
        }
        int size = Integer.parseInt(m.group(3));
        int dataStart = start + headerLength;
        if (bytes.length - dataStart != size) {
            throw new IOException(npy + " should hold one " + m.group(2) + size + " value, it holds " + (bytes.length - dataStart)
                    + " bytes");
        }
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, size).order(ByteOrder.LITTLE_ENDIAN);
        return switch (m.group(2) + size) {
            case "f4" -> data.getFloat();
            case "f8" -> data.getDouble();
            case "i4" -> data.getInt();
            case "i8" -> data.getLong();
            default -> throw new IOException(npy + ": unsupported array type " + m.group(2) + size);
        };
    }
}
