package dev.lipsim.bindings;

import dev.lipsim.bindings.ffm.TorchC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Typed calls of the C ABI functions that are not dispatcher ops: tensor creation, scalar
 * conversion, and the {@code aoti_torch_aten_*} functions that take a Scalar as a double, which
 * is how ops with a Scalar argument are reached (they go through the dispatcher inside
 * libtorch, so autograd records them). Every returned handle is owned by the caller.
 */
public final class ShimOps {

    static {
        LibTorch.load();
    }

    private ShimOps() {}

    /** An uninitialised tensor with the given sizes and strides. */
    public static TensorHandle emptyStrided(long[] sizes, long[] strides, int dtype, int deviceType, int deviceIndex) {
        requireSameRank(sizes, strides);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = Scratch.out();
            Status.check(TorchC.aoti_torch_empty_strided(sizes.length, longs(arena, sizes), longs(arena, strides),
                    dtype, deviceType, deviceIndex, out), "aoti_torch_empty_strided");
            return TensorHandle.adoptOut(out);
        }
    }

    /**
     * A tensor over memory the caller owns ({@code data} must stay alive and unchanged in size
     * for as long as the tensor or any view of it lives).
     */
    public static TensorHandle fromBlob(MemorySegment data, long[] sizes, long[] strides, long storageOffset,
            int dtype, int deviceType, int deviceIndex) {
        requireSameRank(sizes, strides);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = Scratch.out();
            Status.check(TorchC.aoti_torch_create_tensor_from_blob(data, sizes.length, longs(arena, sizes),
                    longs(arena, strides), storageOffset, dtype, deviceType, deviceIndex, out),
                    "aoti_torch_create_tensor_from_blob");
            return TensorHandle.adoptOut(out);
        }
    }

    /** A 0-dim float64 CPU tensor. */
    public static TensorHandle scalar(double value) {
        MemorySegment out = Scratch.out();
        Status.check(TorchC.aoti_torch_scalar_to_tensor_float64(value, out), "aoti_torch_scalar_to_tensor_float64");
        return TensorHandle.adoptOut(out);
    }

    /** A 0-dim float32 CPU tensor. */
    public static TensorHandle scalar(float value) {
        MemorySegment out = Scratch.out();
        Status.check(TorchC.aoti_torch_scalar_to_tensor_float32(value, out), "aoti_torch_scalar_to_tensor_float32");
        return TensorHandle.adoptOut(out);
    }

    /** A 0-dim int64 CPU tensor. */
    public static TensorHandle scalar(long value) {
        MemorySegment out = Scratch.out();
        Status.check(TorchC.aoti_torch_scalar_to_tensor_int64(value, out), "aoti_torch_scalar_to_tensor_int64");
        return TensorHandle.adoptOut(out);
    }

    /** A 0-dim bool CPU tensor. */
    public static TensorHandle scalar(boolean value) {
        MemorySegment out = Scratch.out();
        Status.check(TorchC.aoti_torch_scalar_to_tensor_bool(value, out), "aoti_torch_scalar_to_tensor_bool");
        return TensorHandle.adoptOut(out);
    }

    /** The single value of a one-element tensor, as a double (converting from its dtype). */
    public static double itemDouble(TensorHandle tensor) {
        MemorySegment out = Scratch.out();
        Status.check(TorchC.aoti_torch_item_float64(tensor.segment(), out), "aoti_torch_item_float64");
        return out.get(ValueLayout.JAVA_DOUBLE, 0);
    }

    /** The single value of a one-element tensor, as a long (converting from its dtype). */
    public static long itemLong(TensorHandle tensor) {
        MemorySegment out = Scratch.out();
        Status.check(TorchC.aoti_torch_item_int64(tensor.segment(), out), "aoti_torch_item_int64");
        return out.get(ValueLayout.JAVA_LONG, 0);
    }

    /** The single value of a one-element tensor, as a boolean. */
    public static boolean itemBoolean(TensorHandle tensor) {
        MemorySegment out = Scratch.out();
        Status.check(TorchC.aoti_torch_item_bool(tensor.segment(), out), "aoti_torch_item_bool");
        return out.get(ValueLayout.JAVA_BOOLEAN, 0);
    }

    /** {@code self - alpha * other} (alpha = -1 gives {@code self + other}), recorded by autograd. */
    public static TensorHandle subtract(TensorHandle self, TensorHandle other, double alpha) {
        MemorySegment out = Scratch.out();
        Status.check(TorchC.aoti_torch_aten_subtract_Tensor(self.segment(), other.segment(), alpha, out),
                "aoti_torch_aten_subtract_Tensor");
        return TensorHandle.adoptOut(out);
    }

    /** Fills {@code self} with {@code value}, in place. */
    public static void fill(TensorHandle self, double value) {
        Status.check(TorchC.aoti_torch_aten_fill__Scalar(self.segment(), value), "aoti_torch_aten_fill__Scalar");
    }

    /** A new tensor of {@code sizes} filled with {@code value}. */
    public static TensorHandle full(long[] sizes, double value, int dtype, int deviceType, int deviceIndex) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = Scratch.out();
            Status.check(TorchC.aoti_torch_aten_full(longs(arena, sizes), sizes.length, value, ints(arena, dtype),
                    ints(arena, AbiCodes.layoutStrided()), ints(arena, deviceType), deviceIndex, MemorySegment.NULL, out),
                    "aoti_torch_aten_full");
            return TensorHandle.adoptOut(out);
        }
    }

    /** A view of {@code length} entries of dimension {@code dim} from {@code start}. */
    public static TensorHandle narrow(TensorHandle self, long dim, long start, long length) {
        MemorySegment out = Scratch.out();
        Status.check(TorchC.aoti_torch_aten_narrow(self.segment(), dim, start, length, out), "aoti_torch_aten_narrow");
        return TensorHandle.adoptOut(out);
    }

    /** Zeros of {@code sizes} and {@code dtype} on {@code self}'s device. */
    public static TensorHandle newZeros(TensorHandle self, long[] sizes, int dtype) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = Scratch.out();
            Status.check(TorchC.aoti_torch_aten_new_zeros(self.segment(), longs(arena, sizes), sizes.length,
                    ints(arena, dtype), MemorySegment.NULL, MemorySegment.NULL, 0, MemorySegment.NULL, out),
                    "aoti_torch_aten_new_zeros");
            return TensorHandle.adoptOut(out);
        }
    }

    /**
     * Pads the trailing dimensions ({@code pad} holds before/after pairs, last dimension first)
     * in {@code mode} ("constant", "reflect", "replicate" or "circular"); {@code value} fills
     * constant padding.
     */
    public static TensorHandle pad(TensorHandle self, long[] pad, String mode, double value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = Scratch.out();
            MemorySegment fill = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, value);
            Status.check(TorchC.aoti_torch_aten_pad(self.segment(), longs(arena, pad), pad.length,
                    arena.allocateFrom(mode), fill, out), "aoti_torch_aten_pad");
            return TensorHandle.adoptOut(out);
        }
    }

    /** The maximum over {@code dims}. */
    public static TensorHandle amax(TensorHandle self, long[] dims, boolean keepDim) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = Scratch.out();
            Status.check(TorchC.aoti_torch_aten_amax(self.segment(), longs(arena, dims), dims.length, keepDim ? 1 : 0,
                    out), "aoti_torch_aten_amax");
            return TensorHandle.adoptOut(out);
        }
    }

    private static MemorySegment longs(Arena arena, long[] values) {
        return values.length == 0 ? arena.allocate(8) : arena.allocateFrom(ValueLayout.JAVA_LONG, values);
    }

    private static MemorySegment ints(Arena arena, int value) {
        return arena.allocateFrom(ValueLayout.JAVA_INT, value);
    }

    private static void requireSameRank(long[] sizes, long[] strides) {
        if (sizes.length != strides.length) {
            throw new IllegalArgumentException("sizes " + java.util.Arrays.toString(sizes) + " and strides "
                    + java.util.Arrays.toString(strides) + " differ in rank");
        }
    }
}
