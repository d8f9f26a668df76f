package dev.lipsim.bindings;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * What an unboxed call's preconditions need to know about one tensor argument: its dtype and
 * shape, read fresh through the stable ABI for every call (a tensor's shape can change in place,
 * so nothing is cached across calls). Only defined, strided CPU tensors have facts; anything else
 * goes through the boxed call. Reused per call slot, so reading allocates nothing.
 *
 * <p>The getters are bound as critical downcalls: they only read fields, never block and never
 * call back, so the thread-state transition of an ordinary downcall is not needed. The handle is
 * passed as the integer it is, so reading makes no Java objects.
 */
final class TensorFacts {

    private static final MethodHandle GET_DTYPE = getter("aoti_torch_get_dtype");
    private static final MethodHandle GET_DEVICE_TYPE = getter("aoti_torch_get_device_type");
    private static final MethodHandle GET_LAYOUT = getter("aoti_torch_get_layout");
    private static final MethodHandle GET_DIM = getter("aoti_torch_get_dim");
    private static final MethodHandle GET_SIZES = getter("aoti_torch_get_sizes");
    private static final int CPU = AbiCodes.deviceType("cpu");
    private static final int STRIDED = AbiCodes.layoutStrided();
    private static final long UNDEFINED_DTYPE_MASK = ~DTypes.ALL;

    int dtype;
    int dim;
    long[] sizes = new long[8];

    /**
     * Reads the facts of the tensor behind {@code handle}; false when it is not a defined, strided
     * CPU tensor of a dtype the rules know. The dtype is read first: an undefined tensor has none,
     * and asking it for its device would make libtorch report an error.
     */
    boolean read(long handle, MemorySegment out) {
        try {
            if ((int) GET_DTYPE.invokeExact(handle, out) != 0) {
                return false;
            }
            dtype = out.get(ValueLayout.JAVA_INT, 0);
            if (dtype < 0 || dtype >= 64 || (UNDEFINED_DTYPE_MASK & (1L << dtype)) != 0) {
                return false;
            }
            if ((int) GET_DEVICE_TYPE.invokeExact(handle, out) != 0 || out.get(ValueLayout.JAVA_INT, 0) != CPU
                    || (int) GET_LAYOUT.invokeExact(handle, out) != 0 || out.get(ValueLayout.JAVA_INT, 0) != STRIDED
                    || (int) GET_DIM.invokeExact(handle, out) != 0) {
                return false;
            }
            dim = (int) out.get(ValueLayout.JAVA_LONG, 0);
            if ((int) GET_SIZES.invokeExact(handle, out) != 0) {
                return false;
            }
            if (sizes.length < dim) {
                sizes = new long[dim];
            }
            MemorySegment.copy(CxxAbi.MEMORY, ValueLayout.JAVA_LONG, out.get(ValueLayout.JAVA_LONG, 0), sizes, 0, dim);
            return true;
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    /** Size of dimension {@code d}, which must already be wrapped into range. */
    long size(int d) {
        return sizes[d];
    }

    /** The number of elements, saturating at {@link Long#MAX_VALUE}. */
    long numel() {
        long product = 1;
        for (int d = 0; d < dim; d++) {
            product = Preconditions.saturatingMultiply(product, sizes[d]);
        }
        return product;
    }

    boolean hasDtype(long dtypeMask) {
        return (dtypeMask & (1L << dtype)) != 0;
    }

    private static MethodHandle getter(String name) {
        MemorySegment address = LibTorch.symbols().find(name)
                .orElseThrow(() -> new NativeLoadException("libtorch does not export " + name));
        return Linker.nativeLinker().downcallHandle(address,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                Linker.Option.critical(false));
    }
}
