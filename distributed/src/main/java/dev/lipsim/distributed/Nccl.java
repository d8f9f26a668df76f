package dev.lipsim.distributed;

import dev.lipsim.bindings.CudaContext;
import dev.lipsim.bindings.LibTorch;
import dev.lipsim.distributed.ffm.NcclC;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One NCCL communicator: this process's member of a group of GPUs that reduce and broadcast
 * tensors in their own memory, through NCCL's C API (bound from {@code nccl_subset.h}). Rank 0
 * makes the group's unique id and the others receive it (over MPI, as clusters do); every
 * collective runs on libtorch's current stream of the device, so it is ordered after the kernels
 * that wrote the tensor and before those that read it.
 *
 * <p>libnccl is found at {@code -Dlipsim.nccl.library=FILE}, else {@code $LIPSIM_NCCL_LIBRARY},
 * else beside the loaded libtorch (a PyTorch wheel's {@code nvidia/nccl/lib}, the one its
 * libtorch_cuda uses), else in the usual system folders.
 */
public final class Nccl implements AutoCloseable {

    static final int UNIQUE_ID_BYTES = 128;
    private static final int NCCL_FLOAT32 = 7;
    private static final int NCCL_SUM = 0;
    private static final List<String> SYSTEM_LIBRARIES = List.of("/usr/lib/x86_64-linux-gnu/libnccl.so.2",
            "/usr/local/cuda/lib64/libnccl.so.2", "/usr/lib64/libnccl.so.2", "/usr/local/lib/libnccl.so.2");

    private static boolean loaded;

    private final Device device;
    private MemorySegment comm;

    private Nccl(Device device, MemorySegment comm) {
        this.device = device;
        this.comm = comm;
    }

    /**
     * Joins the group of {@code size} ranks as {@code rank}, on CUDA {@code device}.
     * {@code shareFromRankZero} sends the 128-byte id rank 0 made to every other rank (for one
     * rank it may do nothing); every rank must call this at the same point.
     */
    public static Nccl join(int rank, int size, Device device, Consumer<MemorySegment> shareFromRankZero) {
        if (!device.isCuda()) {
            throw new IllegalArgumentException("NCCL runs on CUDA devices, not " + device);
        }
        if (rank < 0 || rank >= size) {
            throw new IllegalArgumentException("rank " + rank + " is not one of the group's " + size);
        }
        device.requireAvailable();
        load();
        try (Arena arena = Arena.ofConfined(); var onDevice = CudaContext.onDevice(device.index())) {
            MemorySegment id = arena.allocate(NcclC.ncclUniqueId);
            if (rank == 0) {
                check(NcclC.ncclGetUniqueId(id), "ncclGetUniqueId");
            }
            shareFromRankZero.accept(id);
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check(NcclC.ncclCommInitRank(out, size, id, rank), "ncclCommInitRank");
            return new Nccl(device, out.get(ValueLayout.ADDRESS, 0));
        }
    }

    public Device device() {
        return device;
    }

    /** Sums {@code floats} (contiguous float32 on this communicator's device) in place across the ranks. */
    public void allReduceSum(Tensor floats) {
        requireOnDevice(floats);
        MemorySegment data = floats.handle().dataPointer();
        check(NcclC.ncclAllReduce(data, data, floats.numel(), NCCL_FLOAT32, NCCL_SUM, comm(), stream()), "ncclAllReduce");
    }

    /** Overwrites {@code floats} on every rank with {@code root}'s. */
    public void broadcast(Tensor floats, int root) {
        requireOnDevice(floats);
        MemorySegment data = floats.handle().dataPointer();
        check(NcclC.ncclBroadcast(data, data, floats.numel(), NCCL_FLOAT32, root, comm(), stream()), "ncclBroadcast");
    }

    @Override
    public void close() {
        if (comm != null) {
            MemorySegment closing = comm;
            comm = null;
            check(NcclC.ncclCommDestroy(closing), "ncclCommDestroy");
        }
    }

    private MemorySegment comm() {
        if (comm == null) {
            throw new IllegalStateException("the NCCL communicator is closed");
        }
        return comm;
    }

    private MemorySegment stream() {
        return CudaContext.currentStream(device.index());
    }

    private void requireOnDevice(Tensor floats) {
        if (!floats.device().equals(device) || floats.dtype() != DType.FLOAT32 || !floats.isContiguous()) {
            throw new IllegalArgumentException("NCCL collectives here take contiguous float32 tensors on " + device
                    + ", got " + floats.dtype() + " on " + floats.device() + (floats.isContiguous() ? "" : ", not contiguous"));
        }
    }

    /** The version of the NCCL library that would be loaded, as {@code 2.28.9}. */
    public static String version() {
        load();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment code = arena.allocate(ValueLayout.JAVA_INT);
            check(NcclC.ncclGetVersion(code), "ncclGetVersion");
            int v = code.get(ValueLayout.JAVA_INT, 0); // major * 10000 + minor * 100 + patch since NCCL 2.9
            return v / 10000 + "." + v / 100 % 100 + "." + v % 100;
        }
    }

    private static void check(int result, String call) {
        if (result != 0) {
            String details = text(NcclC.ncclGetLastError(MemorySegment.NULL));
            throw new IllegalStateException(call + " failed: NCCL error " + result + " ("
                    + text(NcclC.ncclGetErrorString(result)) + (details.isEmpty() ? "" : ": " + details) + ")");
        }
    }

    private static String text(MemorySegment string) {
        return string.equals(MemorySegment.NULL) ? "" : string.getString(0);
    }

    /** The NCCL library this process would load, or why there is none (for {@code lipsim info}). */
    public static String describeLibrary() {
        try {
            return library().toString();
        } catch (IllegalStateException e) {
            return "none: " + e.getMessage();
        }
    }

    private static synchronized void load() {
        if (!loaded) {
            System.load(library().toString()); // the generated bindings find it through this class loader
            loaded = true;
        }
    }

    private static Path library() {
        List<Path> candidates = new ArrayList<>();
        Path torchLib = LibTorch.load().directory();
        if (torchLib.getParent() != null && torchLib.getParent().getParent() != null) { // site-packages/torch/lib
            candidates.add(torchLib.getParent().getParent().resolve("nvidia/nccl/lib/libnccl.so.2"));
        }
        SYSTEM_LIBRARIES.stream().map(Path::of).forEach(candidates::add);
        return LibraryPaths.find("nccl", "NCCL", candidates, "install NCCL (it comes with PyTorch's CUDA wheels)");
    }
}
