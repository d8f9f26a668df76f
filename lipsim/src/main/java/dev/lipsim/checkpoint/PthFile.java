package dev.lipsim.checkpoint;

import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.AvailableMemory;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;

/**
 * Reads a PyTorch {@code .pth} file as {@code torch.save} writes it since PyTorch 1.6: a zip
 * archive holding a pickle ({@code <name>/data.pkl}) whose tensors refer, by persistent id, to
 * raw little-endian storages ({@code <name>/data/<key>}). Python dicts become {@link Map}s
 * (insertion-ordered), lists and tuples {@link List}s or arrays, numbers {@code Integer},
 * {@code Long} or {@code Double}, and tensors CPU {@link Tensor}s (in the current scope).
 *
 * <p>Only data is reconstructed, never code: tensors, storages, ordered dicts and plain Python
 * values are understood; an object of any other class becomes a {@code ClassDict} of its
 * attributes, or, if the pickle calls it with arguments, is refused with its name.
 */
public final class PthFile {

    /** The largest pickle read (its inflated size); {@code -Dlipsim.maxPickleBytes=N} raises it. */
    static final long MAX_PICKLE_BYTES = Long.getLong("lipsim.maxPickleBytes", 1L << 30);
    /** The most objects a pickle may hold, shared references counted as often as they are referred to. */
    static final long MAX_OBJECTS = Long.getLong("lipsim.maxPickleObjects", 10_000_000L);

    private PthFile() {}

    /** A stream that fails once more than {@code limit} bytes come out of it: a zip member that inflates past what it declares. */
    private static final class Bounded extends java.io.FilterInputStream {
        private final java.util.function.Supplier<IOException> error;
        private long left;

        Bounded(InputStream in, long limit, java.util.function.Supplier<IOException> error) {
            super(in);
            this.left = limit;
            this.error = error;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && --left < 0) {
                throw error.get();
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0 && (left -= n) < 0) {
                throw error.get();
            }
            return n;
        }
    }

    /** The unpickled root object of {@code file}. */
    public static Object read(Path file) throws IOException {
        ZipFile opened;
        try {
            opened = new ZipFile(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + " is not a PyTorch checkpoint (not a readable zip archive: " + e.getMessage() + ")", e);
        }
        try (ZipFile zip = opened) {
            return read(zip, file);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
                throw e;
            }
            throw new IOException(file + ": the archive is damaged (" + e + ")", e);
        }
    }

    private static Object read(ZipFile zip, Path file) throws IOException {
        ZipEntry pickle = zip.stream().filter(e -> e.getName().endsWith("data.pkl")).findFirst()
                .orElseThrow(() -> new IOException(file + " is not a PyTorch zip checkpoint: it has no data.pkl"));
        String prefix = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
        ZipEntry byteOrder = zip.getEntry(prefix + "byteorder");
        if (byteOrder != null) {
            try (InputStream in = zip.getInputStream(byteOrder)) {
                String order = new String(in.readNBytes(16), StandardCharsets.US_ASCII).strip();
                if (!order.equals("little")) {
                    throw new IOException(file + " stores tensors in " + order + "-endian byte order, which is not supported");
                }
            }
        }
        long pickleLimit = Math.min(MAX_PICKLE_BYTES, pickle.getSize() >= 0 ? pickle.getSize() : MAX_PICKLE_BYTES);
        byte[] pickleBytes;
        try (InputStream in = new Bounded(zip.getInputStream(pickle), pickleLimit, () -> new IOException(file + ": "
                + pickle.getName() + " inflates beyond " + (pickle.getSize() >= 0 && pickle.getSize() < MAX_PICKLE_BYTES
                        ? "the " + pickle.getSize() + " bytes it declares" : "the limit of " + MAX_PICKLE_BYTES + " bytes"
                                + " (-Dlipsim.maxPickleBytes=N raises it)")))) {
            pickleBytes = in.readAllBytes();
        }
        // in memory, so that a length the pickle declares can be checked against what is really left
        try (InputStream in = new java.io.ByteArrayInputStream(pickleBytes); var unpickler = new TorchUnpickler(zip, prefix, file)) {
            Object loaded;
            try {
                loaded = unpickler.load(in);
            } catch (PickleException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            } catch (RuntimeException e) { // the pickle library's own reaction to a malformed stream
                throw new IOException(file + ": malformed pickle in " + pickle.getName() + " (" + e + ")", e);
            }
            long objects = unpickler.expandedSize(loaded);
            if (objects > MAX_OBJECTS) {
                throw new IOException(file + ": the pickle holds " + (objects == Long.MAX_VALUE ? "more than 2^63" : objects)
                        + " objects once its shared references are expanded, more than the limit of " + MAX_OBJECTS
                        + " (-Dlipsim.maxPickleObjects=N raises it)");
            }
            return unpickler.materialize(loaded);
        } catch (PickleException | ClassCastException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** A storage reference from the pickle: its dtype and where its bytes are. */
    private record StorageRef(DType dtype, String key, long numel) {}

    /** {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)}, built after unpickling. */
    private record PendingTensor(StorageRef storage, long offset, long[] size, long[] stride) {}

    /** A storage class such as {@code torch.FloatStorage}: only names a dtype. */
    private record StorageType(DType dtype) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("storage classes are not constructed directly");
        }
    }

    /** An ordered dict; {@code __setstate__} receives and drops PyTorch's {@code _metadata}. */
    public static final class OrderedDict extends LinkedHashMap<Object, Object> {
        public void __setstate__(HashMap<String, Object> state) {
            // The state dict's version metadata is not needed.
        }
    }

    private static final class TorchUnpickler extends Unpickler implements AutoCloseable {

        /** Deeper pickles are refused: a state dict is a few levels deep. */
        private static final int MAX_DEPTH = 1000;

        private static final Map<String, DType> STORAGES = Map.of(
                "FloatStorage", DType.FLOAT32, "DoubleStorage", DType.FLOAT64, "HalfStorage", DType.FLOAT16,
                "BFloat16Storage", DType.BFLOAT16, "LongStorage", DType.INT64, "IntStorage", DType.INT32,
                "ShortStorage", DType.INT16, "CharStorage", DType.INT8, "ByteStorage", DType.UINT8, "BoolStorage", DType.BOOL);

        static {
            STORAGES.forEach((name, dtype) -> registerConstructor("torch", name, new StorageType(dtype)));
            registerConstructor("collections", "OrderedDict", args -> new OrderedDict());
            registerConstructor("torch._utils", "_rebuild_parameter", args -> args[0]);
            registerConstructor("torch._utils", "_rebuild_parameter_with_state", args -> args[0]);
            registerConstructor("torch._utils", "_rebuild_tensor_v2", args -> new PendingTensor((StorageRef) args[0],
                    ((Number) args[1]).longValue(), longs(args[2]), longs(args[3])));
        }

        private final ZipFile zip;
        private final String prefix;
        private final Path file;
        private final Map<String, MemorySegment> storages = new HashMap<>();
        private final Arena arena = Arena.ofConfined();

        TorchUnpickler(ZipFile zip, String prefix, Path file) {
            this.zip = zip;
            this.prefix = prefix;
            this.file = file;
        }

        @Override
        protected Object persistentLoad(Object pid) {
            if (!(pid instanceof Object[] parts) || parts.length < 5 || !"storage".equals(parts[0])) {
                throw new PickleException("unsupported persistent id " + describe(pid));
            }
            if (!(parts[1] instanceof StorageType type)) {
                throw new PickleException("unsupported storage type " + describe(parts[1]));
            }
            if (!(parts[2] instanceof String key) || !(parts[4] instanceof Number numel)) {
                throw new PickleException("malformed storage reference " + describe(pid));
            }
            return new StorageRef(type.dtype(), key, numel.longValue());
        }

        /** Replaces every pending tensor in the unpickled graph by a CPU tensor holding its values. */
        /** Containers already materialised: a structure that shares them (a "billion laughs" pickle) is walked once. */
        private final Set<Object> done = Collections.newSetFromMap(new IdentityHashMap<>());

        /** Opcodes followed by a 4-byte or an 8-byte length: BINSTRING, BINBYTES, BINUNICODE, LONG4; their 8-byte forms, FRAME. */
        private static final String LENGTH4 = "TBX\u008b";
        private static final String LENGTH8 = "\u008d\u008e\u0096\u0095";

        /** Refuses a declared length beyond the bytes left before the library allocates it (a 2 GB string in a 1 KB file). */
        @Override
        protected Object dispatch(short key) throws PickleException, IOException {
            int width = LENGTH4.indexOf(key) >= 0 ? 4 : LENGTH8.indexOf(key) >= 0 ? 8 : 0;
            if (width > 0) {
                input.mark(8);
                byte[] bytes = input.readNBytes(width);
                input.reset();
                long length = bytes.length < width ? -1 : width == 4
                        ? java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt()
                        : java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
                if (length < 0 || length > input.available() - width) {
                    throw new PickleException("opcode 0x" + Integer.toHexString(key) + " declares " + length
                            + " bytes, more than the " + Math.max(0, input.available() - width) + " left in the pickle");
                }
            }
            requireHashableKeys(key);
            return super.dispatch(key);
        }

        /**
         * Python cannot hash a list, dict or set, so no real pickle uses one as a dict key or set
         * element; Java would hash it by walking it, which takes forever on a shared structure.
         */
        private void requireHashableKeys(short key) {
            if (key == 's') { // SETITEM: dict, key, value
                Object value = stack.pop();
                Object dictKey = stack.peek();
                stack.add(value);
                requireHashable(dictKey);
            } else if (key == 'u' || key == 'd' || key == 0x90 || key == 0x91) { // SETITEMS, DICT (pairs), ADDITEMS, FROZENSET
                List<Object> items = stack.pop_all_since_marker();
                stack.add_mark();
                items.forEach(stack::add);
                for (int i = 0; i < items.size(); i += key == 'u' || key == 'd' ? 2 : 1) {
                    requireHashable(items.get(i));
                }
            }
        }

        private static void requireHashable(Object key) {
            if (key instanceof Collection<?> || key instanceof Map<?, ?>) {
                throw new PickleException("a list, dict or set (" + key.getClass().getSimpleName()
                        + ") is used as a dict key or set element, which Python cannot pickle");
            }
        }

        Object materialize(Object value) {
            return materialize(value, 0);
        }

        /** How many objects {@code value} holds with every shared container counted at each place it appears (saturating). */
        long expandedSize(Object value) {
            return expandedSize(value, new IdentityHashMap<>(), 0);
        }

        private long expandedSize(Object value, Map<Object, Long> known, int depth) {
            if (depth > MAX_DEPTH) {
                throw new PickleException("the pickle nests deeper than " + MAX_DEPTH + " levels");
            }
            Collection<?> children = value instanceof Map<?, ?> map ? map.values() : value instanceof List<?> list ? list
                    : value instanceof Object[] array ? Arrays.asList(array) : null;
            if (children == null) {
                return 1;
            }
            Long size = known.get(value);
            if (size == null) {
                size = 1L;
                for (Object child : children) {
                    size = saturatingAdd(size, expandedSize(child, known, depth + 1));
                }
                known.put(value, size);
            }
            return size;
        }

        private static long saturatingAdd(long a, long b) {
            long sum = a + b;
            return sum < 0 ? Long.MAX_VALUE : sum;
        }

        private Object materialize(Object value, int depth) {
            if (depth > MAX_DEPTH) {
                throw new PickleException("the pickle nests deeper than " + MAX_DEPTH + " levels");
            }
            if (value instanceof PendingTensor pending) {
                requireInStorage(pending);
                MemorySegment bytes = storages.computeIfAbsent(pending.storage().key(), key -> readStorage(pending.storage()));
                try (var scope = TensorScope.open()) {
                    Tensor view = Tensor.viewOf(bytes, pending.storage().dtype(), pending.size(), pending.stride(),
                            pending.offset());
                    return scope.keep(view.clone());
                }
            }
            if (!(value instanceof Map<?, ?> || value instanceof List<?> || value instanceof Object[]) || !done.add(value)) {
                return value;
            }
            if (value instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<Object, Object> entries = (Map<Object, Object>) map;
                entries.replaceAll((key, entry) -> materialize(entry, depth + 1));
            } else if (value instanceof List<?> list) {
                @SuppressWarnings("unchecked")
                List<Object> items = (List<Object>) list;
                items.replaceAll(item -> materialize(item, depth + 1));
            } else {
                Object[] array = (Object[]) value;
                for (int i = 0; i < array.length; i++) {
                    array[i] = materialize(array[i], depth + 1);
                }
            }
            return value;
        }

        /**
         * A tensor's offset, sizes and strides must address elements of its storage only; checked in
         * exact arithmetic before libtorch sees them (a bad offset would otherwise read outside memory).
         */
        private static void requireInStorage(PendingTensor tensor) {
            String described = "a tensor of size " + Arrays.toString(tensor.size()) + ", stride " + Arrays.toString(tensor.stride())
                    + " at offset " + tensor.offset();
            if (tensor.offset() < 0 || tensor.size().length != tensor.stride().length || Arrays.stream(tensor.size()).anyMatch(x -> x < 0)
                    || Arrays.stream(tensor.stride()).anyMatch(x -> x < 0)) {
                throw new PickleException(described + " is malformed");
            }
            if (Arrays.stream(tensor.size()).anyMatch(x -> x == 0)) {
                return;
            }
            try {
                long last = tensor.offset();
                for (int i = 0; i < tensor.size().length; i++) {
                    last = Math.addExact(last, Math.multiplyExact(tensor.size()[i] - 1, tensor.stride()[i]));
                }
                if (last >= tensor.storage().numel()) {
                    throw new PickleException(described + " reaches element " + last + " of a storage of "
                            + tensor.storage().numel() + " elements");
                }
            } catch (ArithmeticException e) {
                throw new PickleException(described + " overflows 64-bit addressing");
            }
        }

        private MemorySegment readStorage(StorageRef storage) {
            ZipEntry entry = zip.getEntry(prefix + "data/" + storage.key());
            if (storage.numel() < 0 || storage.numel() > Long.MAX_VALUE / storage.dtype().byteSize()) {
                throw new PickleException("storage data/" + storage.key() + " declares " + storage.numel() + " elements");
            }
            long bytes = storage.numel() * storage.dtype().byteSize();
            if (entry == null) {
                throw new PickleException(file + " lacks the storage data/" + storage.key());
            }
            if (entry.getSize() >= 0 && entry.getSize() < bytes) {
                throw new PickleException("storage data/" + storage.key() + " has " + entry.getSize() + " bytes, expected "
                        + bytes + " (truncated file?)");
            }
            long available = AvailableMemory.bytes().orElse(Long.MAX_VALUE);
            if (bytes > available) {
                throw new PickleException("storage data/" + storage.key() + " needs " + bytes + " bytes, more than the "
                        + available + " this machine has available");
            }
            MemorySegment segment = arena.allocate(Math.max(bytes, 1), 64);
            try (InputStream in = zip.getInputStream(entry)) { // only the bytes the tensors need, whatever the member inflates to
                byte[] chunk = new byte[1 << 20];
                for (long done = 0; done < bytes; ) {
                    int n = in.readNBytes(chunk, 0, (int) Math.min(chunk.length, bytes - done));
                    if (n == 0) {
                        throw new PickleException("storage data/" + storage.key() + " has " + done + " bytes, expected "
                                + bytes + " (truncated file?)");
                    }
                    MemorySegment.copy(MemorySegment.ofArray(chunk), 0, segment, done, n);
                    done += n;
                }
                return segment;
            } catch (IOException e) {
                throw new PickleException("cannot read storage data/" + storage.key() + ": " + e.getMessage());
            }
        }

        private static long[] longs(Object tuple) {
            Object[] values = tuple instanceof Object[] array ? array : ((List<?>) tuple).toArray();
            long[] longs = new long[values.length];
            for (int i = 0; i < values.length; i++) {
                longs[i] = ((Number) values[i]).longValue();
            }
            return longs;
        }

        /** Untrusted values in words, bounded: never the whole of a huge or cyclic structure. */
        private static String describe(Object value) {
            if (value instanceof Number || value instanceof Boolean || value == null) {
                return String.valueOf(value);
            }
            if (value instanceof String text) {
                return "'" + (text.length() > 80 ? text.substring(0, 80) + "..." : text) + "'";
            }
            int size = value instanceof Object[] array ? array.length : value instanceof Collection<?> c ? c.size()
                    : value instanceof Map<?, ?> m ? m.size() : -1;
            return "a " + value.getClass().getSimpleName() + (size >= 0 ? " of " + size + " items" : "");
        }

        @Override
        public void close() {
            super.close();
            arena.close();
        }
    }
}
