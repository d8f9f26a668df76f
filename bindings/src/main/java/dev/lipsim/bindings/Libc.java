package dev.lipsim.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/** The few POSIX calls the bindings make directly: file descriptors and dlopen diagnostics. */
final class Libc {

    static final int STDERR = 2;
    static final int EINTR = 4;
    static final int RTLD_LAZY = 1;
    private static final int RTLD_NOW = 2;
    private static final int RTLD_GLOBAL = 0x100;
    private static final short POLLIN = 1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final VarHandle ERRNO_HANDLE = Linker.Option.captureStateLayout()
            .varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle PIPE = handle("pipe", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle DUP = handle("dup", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle DUP2 = handle("dup2",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle READ = LINKER.downcallHandle(LIBC.findOrThrow("read"),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
            ERRNO);
    private static final MethodHandle WRITE = handle("write",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle POLL = handle("poll",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle DLOPEN = handle("dlopen",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle DLERROR = handle("dlerror",
            FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(
                    java.lang.foreign.MemoryLayout.sequenceLayout(4096, ValueLayout.JAVA_BYTE))));

    private static final MethodHandle SETENV = handle("setenv",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Libc() {}

    private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIBC.findOrThrow(name), descriptor);
    }

    /** Creates a pipe; returns {read end, write end}. */
    static int[] pipe() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            if ((int) PIPE.invokeExact(fds) != 0) {
                throw new IllegalStateException("pipe() failed");
            }
            return new int[] {fds.getAtIndex(ValueLayout.JAVA_INT, 0), fds.getAtIndex(ValueLayout.JAVA_INT, 1)};
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    static int dup(int fd) {
        try {
            return (int) DUP.invokeExact(fd);
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    static int dup2(int from, int to) {
        try {
            return (int) DUP2.invokeExact(from, to);
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    /** read(2), retried on EINTR; returns bytes read, 0 at end of file, -1 on error. */
    static long read(int fd, MemorySegment buffer, MemorySegment errnoState) {
        try {
            while (true) {
                long n = (long) READ.invokeExact(errnoState, fd, buffer, buffer.byteSize());
                if (n >= 0 || (int) ERRNO_HANDLE.get(errnoState, 0L) != EINTR) {
                    return n;
                }
            }
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    /** A buffer for the errno captured by {@link #read}. */
    static MemorySegment allocateErrnoState(Arena arena) {
        return arena.allocate(Linker.Option.captureStateLayout());
    }

    /** Writes all of {@code bytes[0..length)} to {@code fd}; returns false if the descriptor fails. */
    static boolean writeFully(int fd, MemorySegment bytes, long length) {
        try {
            long offset = 0;
            while (offset < length) {
                long n = (long) WRITE.invokeExact(fd, bytes.asSlice(offset), length - offset);
                if (n <= 0) {
                    return false;
                }
                offset += n;
            }
            return true;
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    /** Waits up to {@code timeoutMillis} for {@code fd} to become readable; true if it is. */
    static boolean pollReadable(int fd, MemorySegment pollfd, int timeoutMillis) {
        pollfd.set(ValueLayout.JAVA_INT, 0, fd);
        pollfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
        pollfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
        try {
            return (int) POLL.invokeExact(pollfd, 1L, timeoutMillis) > 0;
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    /** A {@code struct pollfd} for {@link #pollReadable}. */
    static MemorySegment allocatePollfd(Arena arena) {
        return arena.allocate(8, 4);
    }

    /** Sets a process environment variable (seen by native code, not by {@code System.getenv}) unless it is set. */
    static void setenvIfAbsent(String name, String value) {
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) SETENV.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 0);
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    /** Why the dynamic linker cannot open {@code path}, or null if it can. */
    /** {@code dlopen(path, RTLD_NOW | RTLD_GLOBAL)}: null when it loaded, else {@code dlerror()}'s reason. */
    static String openGlobal(String path) {
        return open(path, RTLD_NOW | RTLD_GLOBAL);
    }

    static String dlopenError(String path) {
        return open(path, RTLD_LAZY);
    }

    private static String open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) DLOPEN.invokeExact(arena.allocateFrom(path), flags);
            if (!handle.equals(MemorySegment.NULL)) {
                return null;
            }
            MemorySegment message = (MemorySegment) DLERROR.invokeExact();
            return message.equals(MemorySegment.NULL) ? "unknown dlopen error" : message.getString(0);
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

}
