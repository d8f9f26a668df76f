package dev.lipsim.data;

import dev.lipsim.tensor.Generator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Decodes items on worker threads ahead of the consumer and hands them out in batches, in the
 * items' order whatever the threads' timing. Besides the batch the consumer holds, at most
 * {@code prefetch} items are being decoded or waiting, so memory stays bounded; a batch is only
 * assembled when the consumer asks for it. An item that cannot be decoded is skipped and recorded
 * ({@link OnError#SKIP}; {@link #skipped()} names them) or stops the pass with an error naming
 * it ({@link OnError#FAIL}). Results decoded but never handed out (a pass abandoned early) go to
 * the {@code discard} callback on {@link #close()}, so that native memory they hold is freed.
 *
 * @param <I> the items (e.g. file paths or samples)
 * @param <R> what decoding gives
 */
public final class ParallelLoader<I, R> implements Iterable<List<R>>, AutoCloseable {

    /** What to do with an item that cannot be decoded. */
    public enum OnError { SKIP, FAIL }

    /** Thrown by the iteration when an item cannot be decoded under {@link OnError#FAIL}. */
    public static final class LoadFailure extends RuntimeException {
        LoadFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Decodes one item; throws with a message naming the item when it cannot. */
    @FunctionalInterface
    public interface Decoder<I, R> {
        R decode(I item) throws Exception;
    }

    private final List<I> items;
    private final Decoder<I, R> decoder;
    private final int batchSize;
    private final int prefetch;
    private final OnError onError;
    private final ExecutorService workers;
    private final Consumer<? super R> discard;
    private final Set<Future<R>> outstanding = ConcurrentHashMap.newKeySet();
    private final List<String> skipped = Collections.synchronizedList(new ArrayList<>());

    public ParallelLoader(List<I> items, Decoder<I, R> decoder, int batchSize, int threads, int prefetch, OnError onError,
            Consumer<? super R> discard) {
        if (batchSize < 1 || threads < 1 || prefetch < batchSize) {
            throw new IllegalArgumentException("need batch size >= 1, threads >= 1 and prefetch >= batch size, got "
                    + batchSize + ", " + threads + ", " + prefetch);
        }
        this.items = List.copyOf(items);
        this.decoder = decoder;
        this.batchSize = batchSize;
        this.prefetch = prefetch;
        this.onError = onError;
        this.discard = discard;
        this.workers = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "lipsim-loader");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** {@code items} in an order fixed by {@code seed} (Fisher-Yates with {@link Generator}). */
    public static <T> List<T> shuffled(List<T> items, long seed) {
        List<T> copy = new ArrayList<>(items);
        Generator generator = new Generator(seed);
        for (int i = copy.size() - 1; i > 0; i--) {
            Collections.swap(copy, i, (int) generator.nextLong(i + 1));
        }
        return copy;
    }

    /** Items skipped so far, each as {@code item: reason}. */
    public List<String> skipped() {
        return List.copyOf(skipped);
    }

    /** One pass over the items, in batches (the last may be smaller). */
    @Override
    public Iterator<List<R>> iterator() {
        return new Iterator<>() {
            private final ArrayDeque<Future<R>> pending = new ArrayDeque<>();
            private final ArrayDeque<I> pendingItems = new ArrayDeque<>();
            private int next;
            private List<R> batch;

            @Override
            public boolean hasNext() {
                if (batch == null) {
                    batch = fill();
                }
                return !batch.isEmpty();
            }

            @Override
            public List<R> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                List<R> current = batch;
                batch = null;
                return current;
            }

            private List<R> fill() {
                List<R> out = new ArrayList<>(batchSize);
                while (out.size() < batchSize) {
                    while (pending.size() < prefetch && next < items.size()) {
                        I item = items.get(next++);
                        pendingItems.add(item);
                        Future<R> future = workers.submit(() -> decoder.decode(item));
                        outstanding.add(future);
                        pending.add(future);
                    }
                    if (pending.isEmpty()) {
                        break;
                    }
                    I item = pendingItems.poll();
                    Future<R> future = pending.poll();
                    try {
                        R result = future.get();
                        outstanding.remove(future);
                        out.add(result);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while loading " + item, e);
                    } catch (ExecutionException e) {
                        outstanding.remove(future);
                        String reason = item + ": " + e.getCause().getMessage();
                        if (onError == OnError.FAIL) {
                            throw new LoadFailure("cannot load " + reason, e.getCause());
                        }
                        skipped.add(reason);
                    }
                }
                return out;
            }
        };
    }

    @Override
    public void close() {
        workers.shutdownNow();
        try {
            workers.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Future<R> future : outstanding) {
            if (future.state() == Future.State.SUCCESS) {
                discard.accept(future.resultNow());
            }
        }
        outstanding.clear();
    }
}
