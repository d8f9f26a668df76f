package dev.lipsim.train;

import dev.lipsim.data.ImageBatches;
import dev.lipsim.distributed.Replicas;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.nn.Parameter;
import dev.lipsim.nn.optim.GradientClipping;
import dev.lipsim.nn.optim.LearningRateSchedule;
import dev.lipsim.nn.optim.Optimizer;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The training loop of every LipSim run (fine-tuning, distillation): for each step, the learning
 * rate from the schedule, the objective's loss on the next batch, backward, a check that loss and
 * gradients are finite, optional clipping, the optimizer's update; a metrics record per step and
 * a checkpoint every {@link Settings#checkpointEvery} steps and at the end.
 *
 * <p>The state after N steps is the model, the optimizer and N: the schedule is a function of
 * the step, and the data order of the seed, the epoch and the batch index, so {@link #run} from
 * a checkpoint's step continues exactly as the uninterrupted run would have.
 *
 * <p>Data-parallel ({@link Replicas}): each replica trains on its share of every batch
 * ({@link TrainingData#shard}); after backward the loss and the gradients are combined over the
 * replicas (summed or averaged as the objective reduces its batch), so all of them take the same
 * decisions (divergence, stopping) and the same update;
 * rank 0 alone writes metrics, checkpoints and progress.
 *
 * @param <I> the items of a batch
 */
public final class TrainingLoop<I> {

    /**
     * How long to train and how to keep the results.
     *
     * @param epochs passes over the data
     * @param checkpointEvery steps between checkpoints (one is always written at the end)
     * @param keepCheckpoints how many of the newest checkpoints to keep
     * @param clipNorm the largest joint gradient norm (larger ones are scaled down), or 0 for none
     */
    public record Settings(long epochs, long checkpointEvery, int keepCheckpoints, double clipNorm) {
        public Settings {
            if (epochs < 1 || checkpointEvery < 1 || keepCheckpoints < 1 || !(clipNorm >= 0)) {
                throw new IllegalArgumentException("need epochs, checkpoint interval and checkpoints kept >= 1 and a clip "
                        + "norm >= 0, got " + epochs + ", " + checkpointEvery + ", " + keepCheckpoints + ", " + clipNorm);
            }
        }
    }

    /** How a run ended. */
    public enum Status { COMPLETED, INTERRUPTED }

    /**
     * The end of {@link #run}.
     *
     * @param status finished, or stopped on request after a checkpoint
     * @param steps steps completed
     * @param checkpoint the checkpoint written last
     * @param lastLoss the loss of the last step run in this call, NaN if none ran
     */
    public record Outcome(Status status, long steps, RunDirectory.Saved checkpoint, double lastLoss) {}

    private final LipSimModel model;
    private final Optimizer optimizer;
    private final LearningRateSchedule schedule;
    private final Objective<I> objective;
    private final TrainingData<I> data;
    private final RunDirectory run;
    private final Settings settings;
    private final Replicas replicas;

    public TrainingLoop(LipSimModel model, Optimizer optimizer, LearningRateSchedule schedule, Objective<I> objective,
            TrainingData<I> data, RunDirectory run, Settings settings, Replicas replicas) {
        this.model = model;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.objective = objective;
        this.data = data;
        this.run = run;
        this.settings = settings;
        this.replicas = replicas;
    }

    public long totalSteps() {
        return settings.epochs() * data.stepsPerEpoch();
    }

    /**
     * Trains from {@code firstStep} (0, or the step of the checkpoint the model and optimizer
     * were loaded from) to the end, reporting to {@code progress}; when {@code stop} turns true,
     * finishes the current step, writes a checkpoint and returns {@link Status#INTERRUPTED}.
     *
     * @throws TrainingDiverged when the loss or a gradient is not finite (nothing is saved)
     */
    public Outcome run(long firstStep, Progress progress, BooleanSupplier stop) throws IOException {
        long total = totalSteps();
        if (firstStep < 0 || firstStep > total) {
            throw new IllegalArgumentException("cannot start at step " + firstStep + " of " + total);
        }
        model.train();
        optimizer.zeroGrad();
        long step = firstStep;
        double lastLoss = Double.NaN;
        boolean writer = replicas.rank() == 0;
        RunDirectory.Saved saved = run.latestCheckpoint().orElse(null);
        if (writer) {
            progress.started(firstStep, total);
        }
        while (step < total) {
            long epoch = step / data.stepsPerEpoch();
            try (TrainingData.Pass<ImageBatches.Batch<I>> pass = data.epoch(epoch, step % data.stepsPerEpoch())) {
                while (pass.hasNext() && step < total) {
                    StepRecord record = step(pass.next(), step, total, epoch, saved);
                    step = record.step();
                    lastLoss = record.loss();
                    boolean stopping = replicas.anyOf(stop.getAsBoolean()) && step < total;
                    if (writer) {
                        run.appendMetrics(asMap(record));
                        progress.stepped(record);
                        if (step % settings.checkpointEvery() == 0 || step == total || stopping) {
                            saved = run.saveCheckpoint(model, optimizer, step, epoch, settings.keepCheckpoints());
                        }
                    }
                    if (stopping) {
                        if (writer) {
                            progress.note("stopped after step " + step + "; checkpoint " + saved.file());
                        }
                        return new Outcome(Status.INTERRUPTED, step, saved, lastLoss);
                    }
                }
            }
        }
        if (writer && (saved == null || saved.step() != step)) {
            saved = run.saveCheckpoint(model, optimizer, step, step / data.stepsPerEpoch(), settings.keepCheckpoints());
        }
        return new Outcome(Status.COMPLETED, step, saved, lastLoss);
    }

    /** Step {@code step + 1} on {@code batch}, which it closes. */
    private StepRecord step(ImageBatches.Batch<I> batch, long step, long total, long epoch, RunDirectory.Saved saved) {
        long started = System.nanoTime();
        double learningRate = schedule.at(step);
        optimizer.setLearningRate(learningRate);
        double loss;
        int samples = batch.items().size() * replicas.worldSize();
        try (batch) {
            loss = replicas.sum(backward(batch)) * gradientScale();
        }
        if (!Double.isFinite(loss)) {
            optimizer.zeroGrad();
            throw diverged("the loss is " + loss, step, epoch, saved);
        }
        replicas.sumGradients(optimizer.parameters(), gradientScale());
        double gradientNorm = gradientNorm();
        if (!Double.isFinite(gradientNorm)) {
            optimizer.zeroGrad();
            throw diverged("the gradient norm is " + gradientNorm, step, epoch, saved);
        }
        if (settings.clipNorm() > 0) {
            GradientClipping.clipNorm(optimizer.parameters(), settings.clipNorm());
        }
        optimizer.step();
        optimizer.zeroGrad();
        return new StepRecord(step + 1, total, epoch, loss, learningRate, gradientNorm, samples,
                (System.nanoTime() - started) / 1e9);
    }

    /** How replicas' gradients combine: summed for a loss that sums over the batch, else averaged. */
    private double gradientScale() {
        return objective.sumsOverBatch() ? 1 : 1.0 / replicas.worldSize();
    }

    /** This replica's loss on {@code batch}, its gradients accumulated (unless the loss is not finite). */
    private double backward(ImageBatches.Batch<I> batch) {
        try (var scope = TensorScope.open()) {
            Tensor loss = objective.loss(batch);
            double value = loss.item();
            if (Double.isFinite(value)) {
                loss.backward();
            }
            return value;
        }
    }

    private double gradientNorm() {
        try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            double squares = 0;
            for (Parameter parameter : optimizer.parameters()) {
                Tensor grad = parameter.grad();
                if (grad != null) {
                    double norm = grad.norm().item();
                    squares += norm * norm;
                }
            }
            return Math.sqrt(squares);
        }
    }

    private static TrainingDiverged diverged(String what, long step, long epoch, RunDirectory.Saved saved) {
        String kept = Optional.ofNullable(saved).map(s -> "the last good checkpoint is " + s.file() + " (step " + s.step() + ")")
                .orElse("no checkpoint was written yet");
        return new TrainingDiverged("training diverged at step " + (step + 1) + " (epoch " + epoch + "): " + what
                + "; stopped without saving, " + kept + "; a lower learning rate may help");
    }

    private static Map<String, Object> asMap(StepRecord r) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("step", r.step());
        map.put("epoch", r.epoch());
        map.put("loss", r.loss());
        map.put("lr", r.learningRate());
        map.put("gradNorm", r.gradientNorm());
        map.put("samples", r.samples());
        map.put("seconds", r.seconds());
        return map;
    }
}
