package dev.lipsim.tensor.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An open safetensors file, memory-mapped: tensors can be viewed in place (valid until
 * {@link #close()}) or copied out. The whole header is validated when the file is opened; a
 * truncated or corrupt file is refused with a message naming the file and the problem.
 *
 * <p>Format: an 8-byte little-endian header length, a JSON header mapping each name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets into the data that
 * follows) plus an optional {@code "__metadata__"} map of strings, then the data, without holes.
 */
public final class SafeTensorsFile implements AutoCloseable {

    /** One tensor's entry in the header. */
    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path file;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private final List<Tensor> views = new ArrayList<>();
    private final String checksum;
    private final boolean copyOnWrite;

    private SafeTensorsFile(Path file, Arena arena, MemorySegment data, Map<String, Entry> entries,
            Map<String, String> metadata, String checksum, boolean copyOnWrite) {
        this.checksum = checksum;
        this.copyOnWrite = copyOnWrite;
        this.file = file;
        this.arena = arena;
        this.data = data;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens and validates {@code file}. */
    public static SafeTensorsFile open(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        boolean copyOnWrite = Files.isWritable(file);
        try (FileChannel channel = copyOnWrite
                ? FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw corrupt(file, "it has " + size + " bytes, fewer than the 8-byte header length");
            }
            // Copy-on-write where the file allows it: a view written in place changes memory, never
            // the file. A read-only file is mapped read-only, and views of it are copies instead.
            MemorySegment all = channel.map(copyOnWrite ? FileChannel.MapMode.PRIVATE : FileChannel.MapMode.READ_ONLY,
                    0, size, arena);
            long headerLength = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > size - 8) {
                throw corrupt(file, "the header length " + headerLength + " does not fit a file of " + size + " bytes");
            }
            String header = new String(all.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            MemorySegment data = all.asSlice(8 + headerLength);
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, Entry> entries = parseHeader(file, header, data.byteSize(), metadata);
            String checksum = metadata.remove(SafeTensors.CHECKSUM_KEY);
            return new SafeTensorsFile(file, arena, data, entries, Collections.unmodifiableMap(metadata), checksum,
                    copyOnWrite);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, Entry> parseHeader(Path file, String header, long dataBytes, Map<String, String> metadata)
            throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JsonProcessingException e) {
            throw corrupt(file, "the header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw corrupt(file, "the header is not a JSON object");
        }
        List<Entry> list = new ArrayList<>();
        for (var field : (Iterable<Map.Entry<String, JsonNode>>) root::fields) {
            String name = field.getKey();
            JsonNode node = field.getValue();
            if (name.equals("__metadata__")) {
                readMetadata(file, node, metadata);
            } else {
                list.add(readEntry(file, name, node));
            }
        }
        list.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry entry : list) {
            if (entry.begin() != expected) {
                throw corrupt(file, "tensor '" + entry.name() + "' starts at byte " + entry.begin()
                        + " of the data, expected " + expected + " (holes and overlaps are not allowed)");
            }
            expected = entry.end();
        }
        if (expected > dataBytes) {
            throw corrupt(file, "it is truncated: the header describes " + expected + " bytes of data, the file holds "
                    + dataBytes);
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        list.forEach(entry -> entries.put(entry.name(), entry));
        return Collections.unmodifiableMap(entries);
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> metadata) throws IOException {
        if (!node.isObject()) {
            throw corrupt(file, "__metadata__ is not an object");
        }
        for (var field : (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
            if (!field.getValue().isTextual()) {
                throw corrupt(file, "metadata value '" + field.getKey() + "' is not a string");
            }
            metadata.put(field.getKey(), field.getValue().asText());
        }
    }

    private static Entry readEntry(Path file, String name, JsonNode node) throws IOException {
        JsonNode dtype = node.get("dtype");
        JsonNode shape = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtype == null || !dtype.isTextual() || shape == null || !shape.isArray() || offsets == null
                || !offsets.isArray() || offsets.size() != 2) {
            throw corrupt(file, "tensor '" + name + "' lacks dtype, shape or data_offsets");
        }
        DType type = SafeTensorsDTypes.fromCode(dtype.asText());
        if (type == null) {
            throw corrupt(file, "tensor '" + name + "' has unsupported dtype " + dtype.asText());
        }
        long[] dims = new long[shape.size()];
        long numel = 1;
        for (int i = 0; i < dims.length; i++) {
            JsonNode size = shape.get(i);
            if (!size.canConvertToLong() || size.asLong() < 0) {
                throw corrupt(file, "tensor '" + name + "' has an invalid shape " + shape);
            }
            dims[i] = size.asLong();
        }
        long bytes;
        try {
            for (long dim : dims) {
                numel = Math.multiplyExact(numel, dim);
            }
            bytes = Math.multiplyExact(numel, type.byteSize());
        } catch (ArithmeticException e) {
            throw corrupt(file, "tensor '" + name + "' has a shape " + shape + " too large to address");
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        if (begin < 0 || end < begin || end - begin != bytes) {
            throw corrupt(file, "tensor '" + name + "' has data_offsets " + offsets + ", which do not hold " + numel
                    + " elements of " + type);
        }
        return new Entry(name, type, dims, begin, end);
    }

    static IOException corrupt(Path file, String problem) {
        return new IOException(file + " is not a valid safetensors file: " + problem);
    }

    /** Tensor names in data order. */
    public Set<String> names() {
        return entries.keySet();
    }

    public Entry entry(String name) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new IllegalArgumentException(file + " has no tensor '" + name + "'; it has " + entries.keySet());
        }
        return entry;
    }

    /**
     * Checks the data against the checksum {@link SafeTensors#write} records, so that bytes
     * changed after writing are found even where the file's length is right; a file without one
     * (written elsewhere) passes.
     */
    public void verify() throws IOException {
        if (checksum == null) {
            return;
        }
        long length = entries.values().stream().mapToLong(Entry::end).max().orElse(0);
        if (!checksum.equals(SafeTensors.crc32c(data.asSlice(0, length)))) {
            throw corrupt(file, "its data does not match the checksum written with it (bytes changed after writing)");
        }
    }

    /** The {@code __metadata__} map (empty if none), without the checksum. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * A CPU tensor viewing the mapped file without copying. Writes to it stay in memory. It is
     * closed with this file; views derived from it (slices, reshapes) must not outlive the file
     * either, since they read the same mapped memory. The data must be aligned for its dtype, as
     * files written by this project always are; otherwise use {@link #read}. For a file this
     * process may not write, the mapping is read-only and this returns a copy, as {@link #read}.
     */
    public Tensor view(String name) {
        if (!copyOnWrite) {
            return read(name);
        }
        Entry entry = entry(name);
        MemorySegment bytes = data.asSlice(entry.begin(), entry.end() - entry.begin());
        Tensor view = Tensor.viewOf(bytes, entry.dtype(), entry.shape());
        views.add(view);
        return view;
    }

    /** A CPU tensor holding a copy of the named tensor. */
    public Tensor read(String name) {
        Entry entry = entry(name);
        MemorySegment bytes = data.asSlice(entry.begin(), entry.end() - entry.begin());
        return Tensor.copyOf(bytes, entry.dtype(), entry.shape());
    }

    /** Closes the views made by {@link #view}, then unmaps the file. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            views.forEach(Tensor::close);
            views.clear();
            arena.close();
        }
    }
}
