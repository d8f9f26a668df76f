package dev.lipsim.bindings;

import dev.lipsim.bindings.ffm.TorchC;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * What CUDA code outside libtorch (NCCL) needs from it: the current device and stream, so that
 * its kernels run in order with libtorch's.
 */
public final class CudaContext {

    private static final String CURRENT_STREAM = "aoti_torch_get_current_cuda_stream";
    private static MethodHandle currentStream;

    private CudaContext() {}

    /** Makes {@code deviceIndex} the current CUDA device of this thread until the guard is closed. */
    public static Guard onDevice(int deviceIndex) {
        LibTorch.load();
        Status.check(TorchC.aoti_torch_create_device_guard(deviceIndex, Scratch.out()), "aoti_torch_create_device_guard");
        return new Guard(Scratch.out().get(ValueLayout.ADDRESS, 0));
    }

    /** libtorch's current stream on CUDA device {@code deviceIndex} (a {@code cudaStream_t}). */
    public static MemorySegment currentStream(int deviceIndex) {
        try {
            Status.check((int) currentStreamFunction().invokeExact(deviceIndex, Scratch.out()), CURRENT_STREAM);
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
        return Scratch.out().get(ValueLayout.ADDRESS, 0);
    }

    /** Bound on first use: the function is in libtorch_cuda, which a CPU libtorch lacks. */
    private static synchronized MethodHandle currentStreamFunction() {
        if (currentStream == null) {
            LibTorch.load();
            MemorySegment function = LibTorch.symbols().find(CURRENT_STREAM).orElseThrow(() -> new IllegalStateException(
                    "the loaded libtorch has no " + CURRENT_STREAM + ": it is not a CUDA build (" + LibTorch.load().origin()
                            + ")"));
            currentStream = Linker.nativeLinker().downcallHandle(function,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        }
        return currentStream;
    }

    /** A current-device guard; closing it restores the device that was current before. */
    public static final class Guard implements AutoCloseable {
        private MemorySegment handle;

        private Guard(MemorySegment handle) {
            this.handle = handle;
        }

        @Override
        public void close() {
            if (handle != null) {
                Status.check(TorchC.aoti_torch_delete_device_guard(handle), "aoti_torch_delete_device_guard");
                handle = null;
            }
        }
    }
}
