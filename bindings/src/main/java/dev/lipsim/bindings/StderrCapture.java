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
 * call fails ({@code [E... ] Exception in aoti_torch: ...} up to the blank line that ends it,
 * written with one atomic write). Those are held. A thread whose call failed then writes a
 * claim marker to fd 2; one thread's writes arrive in order, so its block is already in the
 * pipe when its marker is read.
 *
 * <p>Attribution is only made when it is certain: each claimant owns exactly one of the blocks
 * that are held or were given up earlier without their owner having claimed yet. If nothing was
 * given up and exactly one block is held, it is the claimant's. Otherwise (several threads
 * failed at the same moment) the held blocks go to stderr, the claimant gets none, and the
 * count of given-up blocks says how many later claimants may own one of them. After two
 * seconds of quiet every claimant has claimed, so held blocks are printed and the count reset.
 * Nothing written to stderr is lost; it is at most delayed.
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
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(2);
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
    private boolean passingLineThrough;
    private ByteArrayOutputStream openBlock;
    private final ArrayDeque<byte[]> held = new ArrayDeque<>();
    /** Blocks given up unattributed whose owners have not claimed yet. */
    private int givenUpUnclaimed;
    private long lastDataNanos = System.nanoTime();

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
                    lastDataNanos = System.nanoTime();
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
        if (passingLineThrough && (b == '[' || b == MARKER_START)) {
            // An error header or claim marker may follow text without a newline: look at it whole.
            passingLineThrough = false;
        } else if (openBlock == null && pendingLine.size() > 0
                && (b == MARKER_START || b == '[' && !couldBeErrorHeader(pendingLine))) {
            // A marker or header begins inside a held partial line that is not a header (headers
            // arrive whole, in one write): pass the partial line on and look at what begins here.
            toForward.writeBytes(pendingLine.toByteArray());
            pendingLine.reset();
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
        } else if (openBlock == null && pendingLine.size() == 1 && b != '[' && b != MARKER_START
                || pendingLine.size() > MAX_HELD_LINE) {
            // Cannot be an error header or a claim marker: pass the line through as it comes.
            toForward.writeBytes(pendingLine.toByteArray());
            pendingLine.reset();
            passingLineThrough = true;
        }
    }

    /** Whether {@code partial} is, or may still become, the start of an error header. */
    private static boolean couldBeErrorHeader(ByteArrayOutputStream partial) {
        var matcher = ERROR_HEADER.matcher(partial.toString(StandardCharsets.UTF_8));
        return matcher.lookingAt() || matcher.hitEnd();
    }

    private void acceptLine(byte[] line) {
        String text = new String(line, StandardCharsets.UTF_8);
        if (text.startsWith(MARKER_PREFIX)) {
            closeOpenBlock();
            resolveClaim(Long.parseLong(text.substring(MARKER_PREFIX.length()).strip()));
        } else if (ERROR_HEADER.matcher(text).find()) {
            closeOpenBlock();
            openBlock = new ByteArrayOutputStream();
            openBlock.writeBytes(line);
        } else if (openBlock != null) {
            openBlock.writeBytes(line);
            if (text.isBlank()) {
                closeOpenBlock();
            }
        } else {
            toForward.writeBytes(line);
        }
    }

    private void closeOpenBlock() {
        if (openBlock != null) {
            held.addLast(openBlock.toByteArray());
            openBlock = null;
        }
    }

    private void resolveClaim(long id) {
        String block = null;
        if (givenUpUnclaimed == 0 && held.size() == 1) {
            block = new String(held.removeFirst(), StandardCharsets.UTF_8);
        } else if (held.isEmpty()) {
            givenUpUnclaimed = Math.max(0, givenUpUnclaimed - 1);
        } else {
            givenUpUnclaimed += held.size() - 1;
            forwardHeld();
        }
        CompletableFuture<String> claim = claims.get(id);
        if (claim != null) {
            claim.complete(block);
        } else if (block != null) {
            toForward.writeBytes(block.getBytes(StandardCharsets.UTF_8));
        }
    }

    private void forwardHeld() {
        while (!held.isEmpty()) {
            toForward.writeBytes(held.removeFirst());
        }
    }

    private void flushIdle() {
        if (System.nanoTime() - lastDataNanos > QUIET_NANOS) {
            closeOpenBlock();
            forwardHeld();
            givenUpUnclaimed = 0;
        }
        if (openBlock == null && pendingLine.size() > 0) {
            toForward.writeBytes(pendingLine.toByteArray());
            pendingLine.reset();
            passingLineThrough = true;
        }
    }

    private void drainAll() {
        closeOpenBlock();
        forwardHeld();
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
