package dev.lipsim.checkpoint;

import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
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

    private PthFile() {}

    /** The unpickled root object of {@code file}. */
    public static Object read(Path file) throws IOException {
        ZipFile opened;
        try {
            opened = new ZipFile(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + " is not a PyTorch checkpoint (not a readable zip archive: " + e.getMessage() + ")", e);
        }
        try (ZipFile zip = opened) {
            ZipEntry pickle = zip.stream().filter(e -> e.getName().endsWith("data.pkl")).findFirst()
                    .orElseThrow(() -> new IOException(file + " is not a PyTorch zip checkpoint: it has no data.pkl"));
            String prefix = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
            ZipEntry byteOrder = zip.getEntry(prefix + "byteorder");
            if (byteOrder != null) {
                try (InputStream in = zip.getInputStream(byteOrder)) {
                    String order = new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
                    if (!order.equals("little")) {
                        throw new IOException(file + " stores tensors in " + order + "-endian byte order, which is not supported");
                    }
                }
            }
            try (InputStream in = zip.getInputStream(pickle); var unpickler = new TorchUnpickler(zip, prefix, file)) {
                return unpickler.materialize(unpickler.load(in));
            } catch (PickleException | ClassCastException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
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
            return new StorageRef(type.dtype(), String.valueOf(parts[2]), ((Number) parts[4]).longValue());
        }

        /** Replaces every pending tensor in the unpickled graph by a CPU tensor holding its values. */
        /** Containers already materialised: a structure that shares them (a "billion laughs" pickle) is walked once. */
        private final Set<Object> done = Collections.newSetFromMap(new IdentityHashMap<>());

        Object materialize(Object value) {
            return materialize(value, 0);
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
            long bytes = storage.numel() * storage.dtype().byteSize();
            if (entry == null) {
                throw new PickleException(file + " lacks the storage data/" + storage.key());
            }
            try (InputStream in = zip.getInputStream(entry)) {
                byte[] content = in.readAllBytes();
                if (content.length < bytes) {
                    throw new PickleException("storage data/" + storage.key() + " has " + content.length
                            + " bytes, expected " + bytes + " (truncated file?)");
                }
                MemorySegment segment = arena.allocate(Math.max(bytes, 1), 64);
                MemorySegment.copy(MemorySegment.ofArray(content), 0, segment, 0, bytes);
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

        private static String describe(Object value) {
            return value instanceof Object[] array ? java.util.Arrays.deepToString(array) : String.valueOf(value);
        }

        @Override
        public void close() {
            super.close();
            arena.close();
        }
    }
}
