package dev.lipsim.train;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) as a request to stop training cleanly: the first one lets the current step
 * finish and a checkpoint be written; a second one ends the process at once (exit code 130).
 */
public final class StopSignal implements BooleanSupplier {

    private final AtomicBoolean requested = new AtomicBoolean();

    private StopSignal() {}

    /** Installs the handler for this process; {@code out} gets one line when a stop is requested. */
    public static StopSignal install(PrintStream out) {
        StopSignal signal = new StopSignal();
        Signal.handle(new Signal("INT"), caught -> {
            if (signal.requested.getAndSet(true)) {
                Runtime.getRuntime().halt(130);
            }
            out.println("stopping after this step and writing a checkpoint; Ctrl-C again to quit at once");
        });
        return signal;
    }

    @Override
    public boolean getAsBoolean() {
        return requested.get();
    }
}
