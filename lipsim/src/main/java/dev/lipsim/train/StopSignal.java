package dev.lipsim.train;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C (SIGINT) as a request to stop training cleanly, while installed: the first one lets the
 * current step finish and a checkpoint be written; a second one ends the process at once (exit
 * code 130). Closing it gives Ctrl-C back its previous meaning.
 */
public final class StopSignal implements BooleanSupplier, AutoCloseable {

    private static final Signal INTERRUPT = new Signal("INT");

    private final AtomicBoolean requested = new AtomicBoolean();
    private final SignalHandler previous;

    private StopSignal(PrintStream out) {
        previous = Signal.handle(INTERRUPT, caught -> {
            if (requested.getAndSet(true)) {
                Runtime.getRuntime().halt(130);
            }
            out.println("stopping after this step and writing a checkpoint; Ctrl-C again to quit at once");
        });
    }

    /** Installs the handler; {@code out} gets one line when a stop is requested. */
    public static StopSignal install(PrintStream out) {
        return new StopSignal(out);
    }

    @Override
    public boolean getAsBoolean() {
        return requested.get();
    }

    @Override
    public void close() {
        Signal.handle(INTERRUPT, previous);
    }
}
