package dev.lipsim.distributed;

import dev.lipsim.bindings.NativeLoadException;
import dev.lipsim.bindings.SharedLibraries;
import dev.lipsim.distributed.ffm.MpiC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MPI world this process belongs to, through Open MPI's C API (bound from
 * {@code mpi_subset.h}). Ranks and the world size come from MPI, so the launcher is the
 * cluster's own ({@code mpirun -np 4 ...}, {@code srun ...}). One per process: {@link #init}
 * initialises MPI, {@link #close} finalises it.
 *
 * <p>libmpi is found at {@code -Dlipsim.mpi.library=FILE}, else {@code $LIPSIM_MPI_LIBRARY},
 * else in the usual system folders, and loaded with {@code RTLD_GLOBAL}: Open MPI's own plugins
 * resolve its symbols globally.
 */
public final class Mpi implements AutoCloseable {

    private static final int MPI_THREAD_FUNNELED = 1;
    /** The tag of the arrival notices that precede every collective. */
    private static final int ARRIVAL_TAG = 7_301;
    private static final int MPI_MAX_ERROR_STRING = 256;
    private static final List<String> SYSTEM_LIBRARIES = List.of("/usr/lib/x86_64-linux-gnu/libmpi.so.40",
            "/usr/lib64/openmpi/lib/libmpi.so.40", "/usr/lib/openmpi/lib/libmpi.so.40", "/usr/local/lib/libmpi.so.40",
            "/opt/openmpi/lib/libmpi.so.40");
    /**
     * How long a collective waits for the other ranks before this rank gives up and ends, which
     * ends the job: {@code -Dlipsim.mpi.timeout=SECONDS} (default 600), for a rank that stalled.
     */
    public static final double TIMEOUT_SECONDS = Double.parseDouble(System.getProperty("lipsim.mpi.timeout", "600"));

    private static final Pattern LEADING_NUMBER = Pattern.compile("^\\d+");

    private static Mpi world;

    /** Open MPI's predefined objects, the addresses of its global symbols. */
    private final MemorySegment commWorld;
    private final MemorySegment floatType;
    private final MemorySegment doubleType;
    private final MemorySegment longType;
    private final MemorySegment byteType;
    private final MemorySegment sum;
    private final int rank;
    private final int size;
    /** When the collective in progress must have finished (nanoTime), or 0 while none runs; read by the watchdog. */
    private volatile long deadline;
    /** The arrival notices: this rank's collective count, the others' (one per rank), and the requests. */
    private final MemorySegment collectiveCount = Arena.global().allocate(ValueLayout.JAVA_LONG);
    private final MemorySegment arrivals;
    private final MemorySegment requests;
    private final MemorySegment flag = Arena.global().allocate(ValueLayout.JAVA_INT);

    private Mpi(SymbolLookup symbols, int rank, int size) {
        this.commWorld = symbol(symbols, "ompi_mpi_comm_world");
        this.floatType = symbol(symbols, "ompi_mpi_float");
        this.doubleType = symbol(symbols, "ompi_mpi_double");
        this.longType = symbol(symbols, "ompi_mpi_long");
        this.byteType = symbol(symbols, "ompi_mpi_byte");
        this.sum = symbol(symbols, "ompi_mpi_op_sum");
        this.rank = rank;
        this.size = size;
        this.arrivals = Arena.global().allocate(ValueLayout.JAVA_LONG, size);
        this.requests = Arena.global().allocate(ValueLayout.ADDRESS, 2L * size);
    }

    /** A blocking collective; returns MPI's error code. */
    @FunctionalInterface
    private interface Collective {
        int call();
    }

    /**
     * Runs a collective under a deadline of {@link #TIMEOUT_SECONDS}. First every rank tells every
     * other that it has reached this collective ({@link #awaitEveryRank}), so a rank that does not
     * come is named; then the blocking call, which a watchdog thread ends past the deadline (for a
     * rank that dies inside it), with a message, and {@code mpirun} then ends the others. (The
     * watchdog makes no MPI call: MPI is initialised for one calling thread.)
     */
    private void complete(String call, Collective collective) {
        guard(call, () -> check(collective.call(), call));
    }

    /**
     * Runs {@code collective}, a blocking collective of this or another library (NCCL), under the
     * arrival notices and the deadline that MPI's own collectives have: a rank that does not come
     * is named, and one that hangs inside ends the job.
     */
    public void guard(String call, Runnable collective) {
        awaitEveryRank(call);
        deadline = System.nanoTime() + (long) (TIMEOUT_SECONDS * 1e9);
        try {
            collective.run();
        } finally {
            deadline = 0;
        }
    }

    /**
     * Sends this rank's collective count to every other rank and waits, polling, for theirs. Past
     * the deadline the ranks whose notice has not come are the ones that stalled or died: this
     * rank names them and ends the job ({@code MPI_Abort}).
     */
    private void awaitEveryRank(String call) {
        if (size == 1) {
            return;
        }
        long count = collectiveCount.get(ValueLayout.JAVA_LONG, 0) + 1;
        collectiveCount.set(ValueLayout.JAVA_LONG, 0, count);
        int pending = 0;
        for (int other = 0; other < size; other++) {
            if (other != rank) {
                check(MpiC.MPI_Irecv(arrivals.asSlice(8L * other, 8), 1, longType, other, ARRIVAL_TAG, commWorld,
                        requests.asSlice(8L * pending++, 8)), "MPI_Irecv");
                check(MpiC.MPI_Isend(collectiveCount, 1, longType, other, ARRIVAL_TAG, commWorld,
                        requests.asSlice(8L * pending++, 8)), "MPI_Isend");
            }
        }
        long due = System.nanoTime() + (long) (TIMEOUT_SECONDS * 1e9);
        for (long polls = 0; ; polls++) {
            check(MpiC.MPI_Testall(pending, requests, flag, MemorySegment.NULL), "MPI_Testall");
            if (flag.get(ValueLayout.JAVA_INT, 0) != 0) {
                return;
            }
            if (System.nanoTime() > due) {
                System.err.printf("lipsim: rank %d of %d waited %.0f s at %s (collective %d) for rank(s) %s, which stalled"
                        + " or died; the job stops (-Dlipsim.mpi.timeout=SECONDS sets the wait)%n", rank, size,
                        TIMEOUT_SECONDS, call, count, missingRanks());
                System.err.flush();
                abort(3);
            }
            if (polls > 1_000) {
                LockSupport.parkNanos(50_000L);
            }
        }
    }

    /** The ranks whose arrival notice has not come, after a timeout: their receive requests test incomplete. */
    private String missingRanks() {
        StringJoiner missing = new StringJoiner(", ");
        int request = 0;
        for (int other = 0; other < size; other++) {
            if (other != rank) {
                MpiC.MPI_Test(requests.asSlice(8L * request, 8), flag, MemorySegment.NULL);
                if (flag.get(ValueLayout.JAVA_INT, 0) == 0) {
                    missing.add(Integer.toString(other));
                }
                request += 2;
            }
        }
        return missing.toString();
    }

    private void startWatchdog() {
        Thread watchdog = new Thread(() -> {
            while (true) {
                long due = deadline;
                if (due != 0 && System.nanoTime() > due) {
                    System.err.printf("lipsim: rank %d of %d waited %.0f s in a collective for the other ranks; one of them"
                            + " stalled or died, so this rank stops (-Dlipsim.mpi.timeout=SECONDS sets the wait)%n", rank, size,
                            TIMEOUT_SECONDS);
                    System.err.flush();
                    Runtime.getRuntime().halt(3);
                }
                LockSupport.parkNanos(200_000_000L);
            }
        }, "mpi-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** Whether an MPI launcher (mpirun, or Slurm with PMI) started this process. */
    public static boolean launched() {
        Map<String, String> environment = System.getenv();
        return environment.containsKey("OMPI_COMM_WORLD_SIZE") || environment.containsKey("PMIX_RANK")
                || environment.containsKey("PMI_SIZE");
    }

    /** Initialises MPI once per process (later calls return the same world). */
    public static synchronized Mpi init() {
        if (world == null) {
            SymbolLookup symbols = load();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment provided = arena.allocate(ValueLayout.JAVA_INT);
                check(MpiC.MPI_Init_thread(MemorySegment.NULL, MemorySegment.NULL, MPI_THREAD_FUNNELED, provided),
                        "MPI_Init_thread");
                MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
                MemorySegment comm = symbol(symbols, "ompi_mpi_comm_world");
                check(MpiC.MPI_Comm_rank(comm, value), "MPI_Comm_rank");
                int rank = value.get(ValueLayout.JAVA_INT, 0);
                check(MpiC.MPI_Comm_size(comm, value), "MPI_Comm_size");
                world = new Mpi(symbols, rank, value.get(ValueLayout.JAVA_INT, 0));
                world.startWatchdog();
            }
        }
        return world;
    }

    public int rank() {
        return rank;
    }

    /** How many ranks run on this machine (Open MPI's {@code OMPI_COMM_WORLD_LOCAL_SIZE}, Slurm's {@code SLURM_TASKS_PER_NODE}; else 1). */
    public static int localSize() {
        return launcherNumber("OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_TASKS_PER_NODE", 1);
    }

    /** This process's rank among those on its machine ({@code OMPI_COMM_WORLD_LOCAL_RANK}, Slurm's {@code SLURM_LOCALID}; else 0). */
    public static int localRank() {
        return launcherNumber("OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID", 0);
    }

    /** The leading number of Open MPI's variable, else Slurm's (which may read {@code 4(x2)}), else {@code absent}. */
    private static int launcherNumber(String openMpi, String slurm, int absent) {
        String value = System.getenv(openMpi);
        if (value == null) {
            value = System.getenv(slurm);
        }
        Matcher number = value == null ? null : LEADING_NUMBER.matcher(value.strip());
        return number != null && number.find() ? Integer.parseInt(number.group()) : absent;
    }

    public int size() {
        return size;
    }

    /** Sums {@code count} floats in place across all ranks ({@code MPI_Allreduce} with {@code MPI_IN_PLACE}). */
    public void allReduceSum(MemorySegment floats, long count) {
        for (long done = 0; done < count; done += Integer.MAX_VALUE) {
            int n = (int) Math.min(Integer.MAX_VALUE, count - done);
            MemorySegment part = floats.asSlice(done * Float.BYTES);
            complete("MPI_Allreduce", () -> MpiC.MPI_Allreduce(MemorySegment.ofAddress(1), part, n, floatType, sum,
                    commWorld));
        }
    }

    /** The sum of {@code value} over all ranks. */
    public double allReduceSum(double value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cell = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, value);
            complete("MPI_Allreduce", () -> MpiC.MPI_Allreduce(MemorySegment.ofAddress(1), cell, 1, doubleType, sum,
                    commWorld));
            return cell.get(ValueLayout.JAVA_DOUBLE, 0);
        }
    }

    /** Sends {@code bytes} bytes from {@code root}'s buffer into every other rank's. */
    public void broadcast(MemorySegment buffer, long bytes, int root) {
        for (long done = 0; done < bytes; done += Integer.MAX_VALUE) {
            int n = (int) Math.min(Integer.MAX_VALUE, bytes - done);
            MemorySegment part = buffer.asSlice(done);
            complete("MPI_Bcast", () -> MpiC.MPI_Bcast(part, n, byteType, root, commWorld));
        }
    }

    public void barrier() {
        complete("MPI_Barrier", () -> MpiC.MPI_Barrier(commWorld));
    }

    /** Ends every rank at once, with {@code code} (a rank that cannot go on must not leave the others waiting). */
    public void abort(int code) {
        MpiC.MPI_Abort(commWorld, code);
    }

    /** Finalises MPI; no MPI call may follow in this process. */
    @Override
    public synchronized void close() {
        check(MpiC.MPI_Finalize(), "MPI_Finalize");
    }

    private static MemorySegment symbol(SymbolLookup symbols, String name) {
        return symbols.find(name).orElseThrow(() -> new IllegalStateException("libmpi has no " + name
                + "; this project supports Open MPI 4 or 5"));
    }

    private static void check(int code, String call) {
        if (code != 0) {
            String message;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment text = arena.allocate(MPI_MAX_ERROR_STRING);
                MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
                message = MpiC.MPI_Error_string(code, text, length) == 0 ? text.getString(0) : "error " + code;
            }
            throw new IllegalStateException(call + " failed: " + message);
        }
    }

    /** The Open MPI library this process would load, or why there is none (for {@code lipsim info}). */
    public static String describeLibrary() {
        try {
            return library().toString();
        } catch (IllegalStateException e) {
            return "none: " + e.getMessage();
        }
    }

    /** Opens libmpi with RTLD_NOW | RTLD_GLOBAL, then registers it with this class loader for the bindings. */
    private static SymbolLookup load() {
        Path library = library();
        try {
            SharedLibraries.openGlobal(library);
        } catch (NativeLoadException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        System.load(library.toString());
        return SymbolLookup.loaderLookup();
    }

    private static Path library() {
        return LibraryPaths.find("mpi", "Open MPI", SYSTEM_LIBRARIES.stream().map(Path::of).toList(),
                "install Open MPI (Debian: openmpi-bin)");
    }
}
