package dev.lipsim.train;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Shows a run's progress: a live bar on a terminal, plain log lines otherwise. */
public interface Progress extends AutoCloseable {

    /** The run starts (or resumes) at {@code firstStep} of {@code totalSteps}. */
    void started(long firstStep, long totalSteps);

    void stepped(StepRecord record);

    /** A line to show beside the progress (checkpoints written, evaluation results). */
    void note(String message);

    @Override
    void close();

    /** A bar when {@code interactive}, else a line every {@code every} steps (and at the last). */
    static Progress on(PrintStream out, boolean interactive, long every) {
        return interactive ? new Bar(out) : new Lines(out, Math.max(1, every));
    }

    /** Whether this process talks to a terminal. */
    static boolean terminal() {
        return System.console() != null && System.console().isTerminal();
    }

    /** Nothing shown (tests, library use). */
    static Progress silent() {
        return new Progress() {
            @Override
            public void started(long firstStep, long totalSteps) {}

            @Override
            public void stepped(StepRecord record) {}

            @Override
            public void note(String message) {}

            @Override
            public void close() {}
        };
    }

    /** {@code me.tongfei:progressbar}: rate and ETA on one updating line. */
    final class Bar implements Progress {
        private final PrintStream out;
        private ProgressBar bar;

        Bar(PrintStream out) {
            this.out = out;
        }

        @Override
        public void started(long firstStep, long totalSteps) {
            close(); // one Progress may show several runs in turn
            bar = new ProgressBarBuilder().setTaskName("training").setInitialMax(totalSteps).startsFrom(firstStep, Duration.ZERO)
                    .setStyle(ProgressBarStyle.ASCII).setUnit(" steps", 1).showSpeed()
                    .setConsumer(new ConsoleProgressBarConsumer(out)).build();
        }

        @Override
        public void stepped(StepRecord record) {
            bar.stepTo(record.step());
            bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f lr %.2e", record.loss(), record.learningRate()));
        }

        @Override
        public void note(String message) {
            out.println();
            out.println(message);
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }

    /** One line per {@code every} steps with loss, learning rate, throughput and ETA. */
    final class Lines implements Progress {
        private final PrintStream out;
        private final long every;
        private long first;
        private long startNanos;

        Lines(PrintStream out, long every) {
            this.out = out;
            this.every = every;
        }

        @Override
        public void started(long firstStep, long totalSteps) {
            first = firstStep;
            startNanos = System.nanoTime();
            out.printf(Locale.ROOT, "training: step %d of %d%n", firstStep, totalSteps);
        }

        @Override
        public void stepped(StepRecord r) {
            if (r.step() % every != 0 && r.step() != r.totalSteps()) {
                return;
            }
            double elapsed = (System.nanoTime() - startNanos) / 1e9;
            double perStep = elapsed / (r.step() - first);
            long eta = Math.round(perStep * (r.totalSteps() - r.step()));
            out.printf(Locale.ROOT, "step %d/%d epoch %d loss %.4f lr %.3e grad %.3e %.1f samples/s eta %s%n", r.step(),
                    r.totalSteps(), r.epoch(), r.loss(), r.learningRate(), r.gradientNorm(), r.samples() / r.seconds(),
                    Duration.ofSeconds(eta).toString().substring(2).toLowerCase(Locale.ROOT));
        }

        @Override
        public void note(String message) {
            out.println(message);
        }

        @Override
        public void close() {
            out.flush();
        }
    }
}
