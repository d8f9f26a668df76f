package dev.lipsim.tensor.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Reads and writes safetensors files, the project's checkpoint format. Writing goes to a
 * temporary file beside the target that is renamed over it only when complete, so an existing
 * file is never left half-written.
 */
public final class SafeTensors {

    /**
     * The metadata entry holding the CRC-32C of the data, in hex, that {@link #write} records and
     * {@link SafeTensorsFile#verify} checks; readers show the rest of the metadata without it.
     */
    public static final String CHECKSUM_KEY = "data_crc32c";

    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensors() {}

    /**
     * What a file holds: tensors (CPU copies, in file order) and metadata.
     *
     * @param tensors the tensors by name
     * @param metadata the {@code __metadata__} strings
     */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    /** Reads every tensor of {@code file} into memory (they join the current {@link TensorScope}). */
    public static Contents read(Path file) throws IOException {
        try (SafeTensorsFile opened = SafeTensorsFile.open(file)) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String name : opened.names()) {
                tensors.put(name, opened.read(name));
            }
            return new Contents(tensors, opened.metadata());
        }
    }

    /** Opens {@code file} and checks its header, its length and its checksum; throws what is wrong. */
    public static void verify(Path file) throws IOException {
        try (SafeTensorsFile opened = SafeTensorsFile.open(file)) {
            opened.verify();
        }
    }

    /**
     * Writes {@code tensors} (any dtype of {@link dev.lipsim.tensor.DType}, any device) and
     * {@code metadata}, with a checksum of the data ({@link #CHECKSUM_KEY}).
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        if (tensors.containsKey("__metadata__")) {
            throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
        }
        if (metadata.containsKey(CHECKSUM_KEY)) {
            throw new IllegalArgumentException("'" + CHECKSUM_KEY + "' is reserved for the checksum this writer records");
        }
        try (var scope = TensorScope.open()) {
            Map<String, Tensor> dense = new LinkedHashMap<>();
            Map<String, Object> header = new LinkedHashMap<>();
            Map<String, String> sorted = new TreeMap<>(metadata); // a stable order: the same input, the same bytes
            header.put("__metadata__", sorted);
            CRC32C checksum = new CRC32C();
            long offset = 0;
            for (var entry : tensors.entrySet()) {
                Tensor tensor = entry.getValue().detach().to(Device.CPU).contiguous();
                long bytes = tensor.numel() * tensor.dtype().byteSize();
                Map<String, Object> description = new LinkedHashMap<>();
                description.put("dtype", SafeTensorsDTypes.code(tensor.dtype()));
                description.put("shape", tensor.shape());
                description.put("data_offsets", List.of(offset, offset + bytes));
                header.put(entry.getKey(), description);
                dense.put(entry.getKey(), tensor);
                if (bytes > 0) {
                    update(checksum, tensor.handle().dataPointer().reinterpret(bytes));
                }
                offset += bytes;
            }
            sorted.put(CHECKSUM_KEY, hex(checksum));
            byte[] headerBytes = headerBytes(header);
            AtomicFiles.write(file, temporary -> writeFile(temporary, headerBytes, dense));
        }
    }

    /** The CRC-32C of {@code bytes}, as {@link #write} records it. */
    static String crc32c(MemorySegment bytes) {
        CRC32C checksum = new CRC32C();
        update(checksum, bytes);
        return hex(checksum);
    }

    /** Feeds {@code bytes} to {@code checksum} in pieces a {@code ByteBuffer} can address (under 2 GiB). */
    private static void update(CRC32C checksum, MemorySegment bytes) {
        for (long at = 0; at < bytes.byteSize(); at += Integer.MAX_VALUE) {
            checksum.update(bytes.asSlice(at, Math.min(Integer.MAX_VALUE, bytes.byteSize() - at)).asByteBuffer());
        }
    }

    private static String hex(CRC32C checksum) {
        return String.format("%08x", checksum.getValue());
    }

    /** The JSON header, padded with spaces to a multiple of 8 bytes so the data stays aligned. */
    private static byte[] headerBytes(Map<String, Object> header) throws IOException {
        String json = JSON.writeValueAsString(header);
        int padding = (8 - json.getBytes(StandardCharsets.UTF_8).length % 8) % 8;
        return (json + " ".repeat(padding)).getBytes(StandardCharsets.UTF_8);
    }

    private static void writeFile(Path path, byte[] header, Map<String, Tensor> tensors) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(channel, length);
            writeFully(channel, ByteBuffer.wrap(header));
            for (Tensor tensor : tensors.values()) {
                long bytes = tensor.numel() * tensor.dtype().byteSize();
                if (bytes > 0) {
                    writeFully(channel, tensor.handle().dataPointer().reinterpret(bytes).asByteBuffer());
                }
            }
            channel.force(true);
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
