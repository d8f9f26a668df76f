package dev.lipsim.tensor.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
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

/**
 * Reads and writes safetensors files, the project's checkpoint format. Writing goes to a
 * temporary file beside the target that is renamed over it only when complete, so an existing
 * file is never left half-written.
 */
public final class SafeTensors {

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

    /** Writes {@code tensors} (any dtype of {@link dev.lipsim.tensor.DType}, any device) and {@code metadata}. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        if (tensors.containsKey("__metadata__")) {
            throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
        }
        try (var scope = TensorScope.open()) {
            Map<String, Tensor> dense = new LinkedHashMap<>();
            Map<String, Object> header = new LinkedHashMap<>();
            if (!metadata.isEmpty()) {
                header.put("__metadata__", new TreeMap<>(metadata)); // a stable order: the same input, the same bytes
            }
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
                offset += bytes;
            }
            byte[] headerBytes = headerBytes(header);
            AtomicFiles.write(file, temporary -> writeFile(temporary, headerBytes, dense));
        }
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
