package dev.lipsim.bindings;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Recovers libtorch's own error messages, which libtorch 2.10 only prints to file descriptor 2.
 *
 * <p>At start-up fd 2 is replaced by a pipe, and a daemon thread (the pump) passes everything
 * written to it on to the real stderr as it arrives, except the blocks libtorch prints when a
 * call fails ({@code [E... ] Exception in aoti_torch: ...} up to the blank line that ends it).
 * Those are held. A thread whose call failed then writes a claim marker to fd 2: as one thread's
 * writes arrive in order, its own error block is already held when the pump reads its marker.
 * If exactly one block is held, it is the claimant's; if several threads failed at the same
 * moment the blocks cannot be told apart, so they go to stderr and the claimants get none.
 * Blocks nobody claims within a second go to stderr too, so nothing written to stderr is lost.
 *
 * <p>At JVM shutdown the real stderr is put back and the pump drains what is left. Disable with
 * {@code -Dlipsim.captureStderr=false}: failures then carry no libtorch message.
 */
final class StderrCapture {

    private static final System.Logger LOG = System.getLogger(StderrCapture.class.getName());
    private static final byte MARKER_START = 1;
    private static final String MARKER_PREFIX = "\u0001lipsim-claim:";
    private static final Pattern ERROR_HEADER = Pattern.compile("^\\[[A-Z]\\d{4} [^\\]]*\\] Exception in aoti_torch: ");
    private static final Pattern BACKTRACE_START = Pattern.compile("(?m)^Exception raised from ");
    private static final long STALE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int IDLE_POLL_MILLIS = 250;
    private static final int MAX_HELD_LINE = 1 << 16;

    private static volatile StderrCapture installed;

    private final int pipeRead;
    private final int realStderr;
    private final Map<Long, CompletableFuture<String>> claims = new ConcurrentHashMap<>();
    private final AtomicLong claimIds = new AtomicLong();
    private final Thread pump;

    // Pump-thread state.
    private final ByteArrayOutputStream pendingLine = new ByteArrayOutputStream();
    private final ByteArrayOutputStream toForward = new ByteArrayOutputStream();
    private final ArrayDeque<Block> held = new ArrayDeque<>();
    private boolean passingLineThrough;
    private Block openBlock;

    /** An error block as printed by libtorch, and when it arrived. */
    private static final class Block {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final long arrivedNanos = System.nanoTime();
    }

    private StderrCapture(int pipeRead, int realStderr) {
        this.pipeRead = pipeRead;
        this.realStderr = realStderr;
        this.pump = Thread.ofPlatform().daemon().name("libtorch-stderr").unstarted(this::pumpLoop);
    }

    /** Installs the capture once per JVM unless disabled; safe to call repeatedly. */
    static synchronized void install() {
        if (installed != null || !Boolean.parseBoolean(System.getProperty("lipsim.captureStderr", "true"))) {
            return;
        }
        int saved = Libc.dup(Libc.STDERR);
        if (saved < 0) {
            LOG.log(System.Logger.Level.WARNING, "stderr is not open; libtorch error messages will not be captured");
            return;
        }
        System.err.flush();
        int[] pipe = Libc.pipe();
        Libc.dup2(pipe[1], Libc.STDERR);
        Libc.close(pipe[1]);
        StderrCapture capture = new StderrCapture(pipe[0], saved);
        capture.pump.start();
        Runtime.getRuntime().addShutdownHook(new Thread(capture::restore, "libtorch-stderr-restore"));
        installed = capture;
    }

    /**
     * Called by a thread right after one of its libtorch calls failed: returns libtorch's message
     * for that failure (without the C++ backtrace), or null if it cannot be attributed reliably.
     */
    static String claimMessage() {
        StderrCapture capture = installed;
        return capture == null ? null : capture.claim();
    }

    private String claim() {
        long id = claimIds.incrementAndGet();
        CompletableFuture<String> result = new CompletableFuture<>();
        claims.put(id, result);
        try (Arena arena = Arena.ofConfined()) {
            byte[] marker = (MARKER_PREFIX + id + "\n").getBytes(StandardCharsets.US_ASCII);
            MemorySegment bytes = arena.allocateFrom(ValueLayout.JAVA_BYTE, marker);
            if (!Libc.writeFully(Libc.STDERR, bytes, marker.length)) {
                return null;
            }
            String block = result.get(2, TimeUnit.SECONDS);
            return block == null ? null : messageOf(block);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        } finally {
            claims.remove(id);
        }
    }

    /** The message part of an error block: the header's text up to the backtrace. */
    static String messageOf(String block) {
        String text = ERROR_HEADER.matcher(block).replaceFirst("");
        var backtrace = BACKTRACE_START.matcher(text);
        if (backtrace.find()) {
            text = text.substring(0, backtrace.start());
        }
        return text.strip();
    }

    private void restore() {
        Libc.dup2(realStderr, Libc.STDERR);
        try {
            pump.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void pumpLoop() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(1 << 16);
            MemorySegment errno = Libc.allocateErrnoState(arena);
            MemorySegment pollfd = Libc.allocatePollfd(arena);
            while (true) {
                if (!Libc.pollReadable(pipeRead, pollfd, IDLE_POLL_MILLIS)) {
                    flushIdle();
                } else {
                    long n = Libc.read(pipeRead, buffer, errno);
                    if (n <= 0) {
                        break;
                    }
                    byte[] chunk = buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                    for (byte b : chunk) {
                        accept(b);
                    }
                }
                forward();
            }
            drainAll();
            forward();
        } finally {
            // Never leave fd 2 pointing at a pipe nobody reads: writers would block forever.
            Libc.dup2(realStderr, Libc.STDERR);
            claims.values().forEach(claim -> claim.complete(null));
        }
    }

    private void accept(byte b) {
        if (passingLineThrough && b == MARKER_START) {
            passingLineThrough = false; // a claim marker cut into a partial line: still recognise it
        }
        if (passingLineThrough) {
            toForward.write(b);
            passingLineThrough = b != '\n';
            return;
        }
        pendingLine.write(b);
        if (b == '\n') {
            byte[] line = pendingLine.toByteArray();
            pendingLine.reset();
            acceptLine(line);
        } else if (openBlock == null && pendingLine.size() == 1 && b != '[' && b != MARKER_START) {
            // Cannot be an error header or a claim marker: pass the line through as it comes.
            toForward.writeBytes(pendingLine.toByteArray());
            pendingLine.reset();
            passingLineThrough = true;
        } else if (pendingLine.size() > MAX_HELD_LINE) {
            toForward.writeBytes(pendingLine.toByteArray());
            pendingLine.reset();
            passingLineThrough = true;
        }
    }

    private void acceptLine(byte[] line) {
        String text = new String(line, StandardCharsets.UTF_8);
        if (text.startsWith(MARKER_PREFIX)) {
            closeOpenBlock();
            resolveClaim(Long.parseLong(text.substring(MARKER_PREFIX.length()).strip()));
        } else if (ERROR_HEADER.matcher(text).find()) {
            closeOpenBlock();
            openBlock = new Block();
            openBlock.bytes.writeBytes(line);
        } else if (openBlock != null) {
            openBlock.bytes.writeBytes(line);
            if (text.isBlank()) {
                closeOpenBlock();
            }
        } else {
            toForward.writeBytes(line);
        }
    }

    private void closeOpenBlock() {
        if (openBlock != null) {
            held.addLast(openBlock);
            openBlock = null;
        }
    }

    private void resolveClaim(long id) {
        forwardStale(System.nanoTime());
        String block = null;
        if (held.size() == 1) {
            block = held.removeFirst().bytes.toString(StandardCharsets.UTF_8);
        } else {
            while (!held.isEmpty()) {
                toForward.writeBytes(held.removeFirst().bytes.toByteArray());
            }
        }
        CompletableFuture<String> claim = claims.get(id);
        if (claim != null) {
            claim.complete(block);
        } else if (block != null) {
            toForward.writeBytes(block.getBytes(StandardCharsets.UTF_8));
        }
    }

    private void forwardStale(long now) {
        while (!held.isEmpty() && now - held.peekFirst().arrivedNanos > STALE_NANOS) {
            toForward.writeBytes(held.removeFirst().bytes.toByteArray());
        }
    }

    private void flushIdle() {
        if (openBlock != null && System.nanoTime() - openBlock.arrivedNanos > STALE_NANOS) {
            closeOpenBlock();
        }
        forwardStale(System.nanoTime());
        if (openBlock == null && pendingLine.size() > 0) {
            toForward.writeBytes(pendingLine.toByteArray());
            pendingLine.reset();
            passingLineThrough = true;
        }
    }

    private void drainAll() {
        closeOpenBlock();
        while (!held.isEmpty()) {
            toForward.writeBytes(held.removeFirst().bytes.toByteArray());
        }
        toForward.writeBytes(pendingLine.toByteArray());
        pendingLine.reset();
    }

    private void forward() {
        if (toForward.size() == 0) {
            return;
        }
        byte[] bytes = toForward.toByteArray();
        toForward.reset();
        try (Arena scratch = Arena.ofConfined()) {
            Libc.writeFully(realStderr, scratch.allocateFrom(ValueLayout.JAVA_BYTE, bytes), bytes.length);
        }
    }
}
