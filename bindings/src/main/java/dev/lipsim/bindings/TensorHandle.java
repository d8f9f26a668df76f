package dev.lipsim.bindings;

import dev.lipsim.bindings.ffm.TorchC;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One owned libtorch tensor handle ({@code AtenTensorHandle}). Closing it deletes the handle
 * exactly once, however often {@link #close()} is called and from whichever thread; using it
 * afterwards throws {@link IllegalStateException}. Several handles may share one tensor
 * ({@link #newReference()}); the tensor lives until the last is closed.
 *
 * <p>Every handle that libtorch returns is wrapped in a {@code TensorHandle} at once, by this
 * package, so ownership is settled in one place. {@link #liveCount()} counts open handles; with
 * {@code -Dlipsim.trackHandles=true} each handle also remembers where it was created
 * ({@link #liveOrigins()}), to find leaks.
 *
 * <p>Not for concurrent use with {@link #close()}: a thread must not close a handle that
 * another thread is still passing to libtorch.
 */
public final class TensorHandle implements AutoCloseable {

    private static final AtomicLong LIVE = new AtomicLong();
    private static final boolean TRACK = Boolean.getBoolean("lipsim.trackHandles");
    private static final Map<TensorHandle, Throwable> ORIGINS = new ConcurrentHashMap<>();
    private static final VarHandle ADDRESS;

    static {
        LibTorch.load();
        try {
            ADDRESS = MethodHandles.lookup().findVarHandle(TensorHandle.class, "address", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through ADDRESS
    private volatile long address;

    private TensorHandle(long address) {
        this.address = address;
        LIVE.incrementAndGet();
        if (TRACK) {
            ORIGINS.put(this, new Throwable("tensor handle created here"));
        }
    }

    /** Takes ownership of a handle libtorch just returned. */
    static TensorHandle adopt(MemorySegment handle) {
        return adopt(handle.address());
    }

    static TensorHandle adopt(long handle) {
        if (handle == 0) {
            throw new IllegalStateException("libtorch returned a null tensor handle");
        }
        return new TensorHandle(handle);
    }

    /** Takes ownership of the handle stored in an out-parameter. */
    static TensorHandle adoptOut(MemorySegment out) {
        return adopt(out.get(ValueLayout.ADDRESS, 0));
    }

    /** The handle, for passing to a C function; throws if closed. */
    public MemorySegment segment() {
        return MemorySegment.ofAddress(checkedAddress());
    }

    long checkedAddress() {
        long value = address;
        if (value == 0) {
            throw new IllegalStateException("the tensor handle is closed");
        }
        return value;
    }

    public boolean isClosed() {
        return address == 0;
    }

    /** Deletes the handle; the tensor's memory is freed once no handle refers to it. Idempotent. */
    @Override
    public void close() {
        long value = (long) ADDRESS.getAndSet(this, 0L);
        if (value != 0) {
            LIVE.decrementAndGet();
            if (TRACK) {
                ORIGINS.remove(this);
            }
            Status.check(TorchC.aoti_torch_delete_tensor_object(MemorySegment.ofAddress(value)),
                    "aoti_torch_delete_tensor_object");
        }
    }

    /** A second owned handle to the same tensor. */
    public TensorHandle newReference() {
        return adopt(newRawReference());
    }

    /** A fresh raw handle for a callee that takes ownership of it; not counted as live here. */
    MemorySegment newRawReference() {
        MemorySegment out = Scratch.out();
        Status.check(TorchC.aoti_torch_new_tensor_handle(segment(), out), "aoti_torch_new_tensor_handle");
        return out.get(ValueLayout.ADDRESS, 0);
    }

    /** Number of handles created and not yet closed, in this JVM. */
    public static long liveCount() {
        return LIVE.get();
    }

    /** Where each open handle was created; empty unless {@code -Dlipsim.trackHandles=true}. */
    public static List<Throwable> liveOrigins() {
        return new ArrayList<>(ORIGINS.values());
    }

    // ---- Inspection ----

    public int dim() {
        return (int) readLong(TorchC.aoti_torch_get_dim(segment(), Scratch.out()), "aoti_torch_get_dim");
    }

    public long numel() {
        return readLong(TorchC.aoti_torch_get_numel(segment(), Scratch.out()), "aoti_torch_get_numel");
    }

    public long[] sizes() {
        int dim = dim();
        Status.check(TorchC.aoti_torch_get_sizes(segment(), Scratch.out()), "aoti_torch_get_sizes");
        return readLongArray(dim);
    }

    public long[] strides() {
        int dim = dim();
        Status.check(TorchC.aoti_torch_get_strides(segment(), Scratch.out()), "aoti_torch_get_strides");
        return readLongArray(dim);
    }

    public long storageOffset() {
        return readLong(TorchC.aoti_torch_get_storage_offset(segment(), Scratch.out()),
                "aoti_torch_get_storage_offset");
    }

    public int dtypeCode() {
        return readInt(TorchC.aoti_torch_get_dtype(segment(), Scratch.out()), "aoti_torch_get_dtype");
    }

    public int deviceTypeCode() {
        return readInt(TorchC.aoti_torch_get_device_type(segment(), Scratch.out()), "aoti_torch_get_device_type");
    }

    public int deviceIndex() {
        return readInt(TorchC.aoti_torch_get_device_index(segment(), Scratch.out()), "aoti_torch_get_device_index");
    }

    public boolean isContiguous() {
        return readBool(TorchC.aoti_torch_is_contiguous(segment(), Scratch.out()), "aoti_torch_is_contiguous");
    }

    /** False for an undefined tensor (e.g. a missing gradient). */
    public boolean isDefined() {
        return readBool(TorchC.aoti_torch_is_defined(segment(), Scratch.out()), "aoti_torch_is_defined");
    }

    /** Address of the first element (the storage offset applied); borrowed, valid while the tensor lives. */
    public MemorySegment dataPointer() {
        Status.check(TorchC.aoti_torch_get_data_ptr(segment(), Scratch.out()), "aoti_torch_get_data_ptr");
        return Scratch.out().get(ValueLayout.ADDRESS, 0);
    }

    // ---- Autograd ----

    public boolean requiresGrad() {
        return CxxAbi.requiresGrad(segment());
    }

    public void setRequiresGrad(boolean requiresGrad) {
        Status.check(TorchC.torch_set_requires_grad(segment(), requiresGrad), "torch_set_requires_grad");
    }

    /**
     * A new handle to this tensor's accumulated gradient (sharing its storage: writing to it
     * changes the real gradient), or null if there is none.
     */
    public TensorHandle grad() {
        MemorySegment borrowed = CxxAbi.gradOf(segment());
        MemorySegment out = Scratch.out();
        Status.check(TorchC.aoti_torch_new_tensor_handle(borrowed, out), "aoti_torch_new_tensor_handle");
        TensorHandle gradient = adoptOut(out);
        if (!gradient.isDefined()) {
            gradient.close();
            return null;
        }
        return gradient;
    }

    /** Removes this tensor's gradient (it becomes null), as PyTorch's {@code t.grad = None}. */
    public void clearGrad() {
        MemorySegment slot = CxxAbi.mutableGradOf(segment());
        MemorySegment out = Scratch.out();
        Status.check(TorchC.aoti_torch_new_uninitialized_tensor(out), "aoti_torch_new_uninitialized_tensor");
        MemorySegment undefined = out.get(ValueLayout.ADDRESS, 0);
        try {
            Status.check(TorchC.aoti_torch_assign_tensors(undefined, slot), "aoti_torch_assign_tensors");
        } finally {
            Status.check(TorchC.aoti_torch_delete_tensor_object(undefined), "aoti_torch_delete_tensor_object");
        }
    }

    /** For messages: {@code Tensor[2, 3] float32 cpu}, or {@code Tensor(closed)}. */
    public String describe() {
        if (isClosed()) {
            return "Tensor(closed)";
        }
        if (!isDefined()) {
            return "Tensor(undefined)";
        }
        String device = AbiCodes.deviceTypeName(deviceTypeCode());
        int index = deviceIndex();
        return "Tensor" + Arrays.toString(sizes()) + " " + AbiCodes.dtypeName(dtypeCode()) + " "
                + (index >= 0 && !device.equals("cpu") ? device + ":" + index : device);
    }

    @Override
    public String toString() {
        return describe();
    }

    private static long readLong(int rc, String function) {
        Status.check(rc, function);
        return Scratch.out().get(ValueLayout.JAVA_LONG, 0);
    }

    private static int readInt(int rc, String function) {
        Status.check(rc, function);
        return Scratch.out().get(ValueLayout.JAVA_INT, 0);
    }

    private static boolean readBool(int rc, String function) {
        Status.check(rc, function);
        return Scratch.out().get(ValueLayout.JAVA_BOOLEAN, 0);
    }

    private static long[] readLongArray(int length) {
        MemorySegment borrowed = Scratch.out().get(ValueLayout.ADDRESS, 0).reinterpret(length * 8L);
        return borrowed.toArray(ValueLayout.JAVA_LONG);
    }
}
