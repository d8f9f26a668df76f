package dev.lipsim.bindings;

import dev.lipsim.bindings.ffm.TorchC;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads libtorch once per JVM and reports what was loaded.
 *
 * <p>Where libtorch comes from is described on {@link LibraryLocator}: the system property
 * {@code libtorch.path}, the environment variable {@code LIBTORCH}, or the Maven Central
 * natives on the class path. Libraries are opened in dependency order with
 * {@link SymbolLookup#libraryLookup(Path, Arena)}; the generated bindings then find them by
 * SONAME. A libtorch older than ABI 2.10 is refused. Loading also chooses where libtorch's
 * error messages come from ({@link ErrorMessages}).
 *
 * <p>Thread-safe; every entry point of the bindings calls {@link #load()} first. A failure is
 * remembered and reported again, with the same message, on every later call.
 */
public final class LibTorch {

    /** The oldest libtorch ABI this project works with: 2.10.0. */
    public static final long MINIMUM_ABI_VERSION = 0x020A_0000_0000_0000L;

    /**
     * {@code -Dlipsim.cuda.tf32=true} lets cuDNN compute float32 convolutions in TF32, as PyTorch
     * does by default: faster on Ampere and newer GPUs, but with about 1e-3 relative error where
     * float32 has 1e-7, which the margins of a certificate do not allow for. Off unless asked.
     */
    public static final String TF32_PROPERTY = "lipsim.cuda.tf32";

    private static final System.Logger LOG = System.getLogger(LibTorch.class.getName());

    private static LibTorchInfo info;
    private static NativeLoadException failure;
    private static SymbolLookup symbols;
    private static volatile boolean tf32Convolutions;

    private LibTorch() {}

    /** Loads libtorch if it is not loaded yet; returns what was loaded. */
    public static synchronized LibTorchInfo load() {
        if (info != null) {
            return info;
        }
        if (failure != null) {
            throw new NativeLoadException(failure.getMessage(), failure);
        }
        try {
            info = loadOnce();
            return info;
        } catch (NativeLoadException e) {
            symbols = null;
            failure = e;
            throw e;
        } catch (LinkageError e) {
            symbols = null;
            Throwable cause = e instanceof ExceptionInInitializerError && e.getCause() != null ? e.getCause() : e;
            failure = cause instanceof NativeLoadException load ? load
                    : new NativeLoadException("libtorch could not be bound: " + cause, cause);
            throw failure;
        }
    }

    /** The symbols of every library loaded (including their dependencies). */
    static SymbolLookup symbols() {
        SymbolLookup current = symbols;
        if (current == null) {
            throw new IllegalStateException("libtorch is not loaded");
        }
        return current;
    }

    /** Sets libtorch's intra-op thread count (process-wide). */
    public static void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        load();
        CxxAbi.setNumThreads(threads);
    }

    /** libtorch's intra-op thread count. */
    public static int threads() {
        load();
        return readThreads();
    }

    /** Whether cuDNN may use TF32 for float32 convolutions from now on (see {@link #TF32_PROPERTY}). */
    public static synchronized void allowTf32Convolutions(boolean allow) {
        load();
        CxxAbi.setAllowTf32CuDnn(allow);
        tf32Convolutions = allow;
    }

    public static boolean tf32Convolutions() {
        load();
        return tf32Convolutions;
    }

    /** Whether libtorch may route CPU operators to oneDNN from now on (process-wide). */
    public static void enableOneDnn(boolean enabled) {
        load();
        CxxAbi.setUserEnabledMkldnn(enabled);
    }

    public static boolean oneDnnEnabled() {
        load();
        return CxxAbi.userEnabledMkldnn();
    }

    private static int readThreads() {
        var out = Scratch.out();
        Status.check(TorchC.torch_get_num_threads(out), "torch_get_num_threads");
        return out.get(ValueLayout.JAVA_INT, 0);
    }

    private static LibTorchInfo loadOnce() {
        LibraryLocation location = LibraryLocator.locate();
        SymbolLookup lookup = null;
        List<Path> loaded = new ArrayList<>();
        enableHugePages();
        for (Path library : location.required()) {
            SymbolLookup opened = open(library, location);
            lookup = lookup == null ? opened : lookup.or(opened);
            loaded.add(library);
        }
        symbols = lookup;

        if (lookup.find("aoti_torch_abi_version").isEmpty() || lookup.find("torch_call_dispatcher").isEmpty()) {
            throw new NativeLoadException("libtorch from " + location.origin() + " lacks the stable C ABI functions "
                    + "(aoti_torch_abi_version, torch_call_dispatcher): it is older than "
                    + LibTorchInfo.versionString(MINIMUM_ABI_VERSION) + ", which this project needs");
        }
        long abi = TorchC.aoti_torch_abi_version();
        if (Long.compareUnsigned(abi, MINIMUM_ABI_VERSION) < 0) {
            throw new NativeLoadException("libtorch from " + location.origin() + " has ABI version "
                    + LibTorchInfo.versionString(abi) + "; this project needs "
                    + LibTorchInfo.versionString(MINIMUM_ABI_VERSION) + " or newer");
        }

        String cudaProblem = null;
        for (Path library : location.cuda()) {
            try {
                symbols = symbols.or(open(library, location));
                loaded.add(library);
            } catch (NativeLoadException e) {
                cudaProblem = e.getMessage();
                LOG.log(System.Logger.Level.WARNING, "CUDA disabled: " + cudaProblem);
                break;
            }
        }
        CxxAbi.verify();
        useEveryCore();
        // NNPACK cannot start on AVX-512 CPUs and then warns at every convolution it is asked about;
        // where it can, its kernels are outside the numerics suite. libtorch's own kernels serve instead.
        CxxAbi.setUserEnabledNnpack(false);
        tf32Convolutions = Boolean.getBoolean(TF32_PROPERTY);
        CxxAbi.setAllowTf32CuDnn(tf32Convolutions);
        try {
            ErrorMessages.init(symbols);
        } catch (RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "libtorch error messages will not be captured: " + e);
        }
        boolean cuda = CxxAbi.cudaIsAvailable();
        long devices = cuda ? CxxAbi.cudaDeviceCount() : 0;
        var result = new LibTorchInfo(location.origin(), location.directory(), List.copyOf(loaded), abi, cuda,
                devices, cudaProblem, readThreads());
        LOG.log(System.Logger.Level.DEBUG, "loaded libtorch: {0}", result);
        return result;
    }

    /**
     * One intra-op thread per physical core, as PyTorch has, where libtorch counted fewer and the
     * user set no {@code OMP_NUM_THREADS}.
     */
    private static void useEveryCore() {
        int cores = CpuCores.physical();
        if (System.getenv("OMP_NUM_THREADS") == null && readThreads() < cores) {
            CxxAbi.setNumThreads(cores);
        }
    }

    /**
     * Asks libtorch to put large tensors (2 MB and more) on transparent huge pages, as PyTorch
     * does with {@code THP_MEM_ALLOC_ENABLE=1}: a fresh 100 MB activation then costs 50 page faults
     * instead of 25,000, which halves a training step on this project's machines (BENCHMARKS.md).
     * Read once by libtorch, so set before it allocates; a value the user set wins, and
     * {@code -Dlipsim.hugePages=false} leaves libtorch's default (off).
     */
    private static void enableHugePages() {
        if (Boolean.parseBoolean(System.getProperty("lipsim.hugePages", "true"))) {
            Libc.setenvIfAbsent("THP_MEM_ALLOC_ENABLE", "1");
        }
    }

    private static SymbolLookup open(Path library, LibraryLocation location) {
        try {
            return SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException e) {
            String reason = Libc.dlopenError(library.toString());
            throw new NativeLoadException("cannot load " + library + " (libtorch from " + location.origin() + "): "
                    + (reason != null ? reason : e.getMessage()), e);
        }
    }
}
