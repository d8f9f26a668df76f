package dev.lipsim.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.checkpoint.LoadedCheckpoint;
import dev.lipsim.data.NightDataset;
import dev.lipsim.data.SyntheticTwoAfc;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.distributed.Replicas;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimConfig;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.nn.optim.Adam;
import dev.lipsim.nn.optim.LearningRateSchedule;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training loop on a tiny model and a tiny synthetic set: resume, stop, checkpoints kept, divergence. */
class TrainingLoopTest {

    static final LipSimConfig TINY = new LipSimConfig(1, 4, 2, 1, 8, 4, 16);

    @TempDir
    static Path shared;

    static Path data;

    @TempDir
    Path work;

    @BeforeAll
    static void synthesize() throws IOException {
        data = shared.resolve("synth");
        SyntheticTwoAfc.write(data, 40, 16, 5);
    }

    static FineTuneConfig config(int epochs, long checkpointEvery, int keep) {
        return new FineTuneConfig("night", data.toString(), null, TINY, 3, "unit", "hinge", 0.05, "triangular",
                new TrainingSettings("adam", 0.01, 0.5, 0.9, 0, 4, epochs, checkpointEvery, keep, 0), 0);
    }

    static FineTuning start(FineTuneConfig config, Path folder) throws IOException {
        var model = new LipSimModel(config.model(), new Generator(config.seed()));
        return FineTuning.start(config, new LoadedCheckpoint(model, Map.of(), 0, 0, "test"), folder, Device.CPU, 2,
                Replicas.SINGLE);
    }

    /** Every tensor of a checkpoint (model and optimizer), by name. */
    static Map<String, double[]> contents(Path checkpoint) throws IOException {
        try (var scope = TensorScope.open()) {
            var tensors = SafeTensors.read(checkpoint).tensors();
            var values = new java.util.TreeMap<String, double[]>();
            tensors.forEach((name, tensor) -> values.put(name, tensor.toDoubleArray()));
            return values;
        }
    }

    static void assertSameState(Path expected, Path actual) throws IOException {
        Map<String, double[]> a = contents(expected);
        Map<String, double[]> b = contents(actual);
        assertEquals(a.keySet(), b.keySet());
        a.forEach((name, values) -> assertArrayEquals(values, b.get(name), 0.0, name));
    }

    @Test
    void stoppedAndResumedRunEndsBitIdenticalToAnUninterruptedOne() throws IOException {
        Path straight = work.resolve("straight");
        TrainingLoop.Outcome whole;
        try (FineTuning run = start(config(3, 5, 2), straight)) {
            whole = run.train(Progress.silent(), () -> false);
        }
        assertEquals(TrainingLoop.Status.COMPLETED, whole.status());

        Path stopped = work.resolve("stopped");
        AtomicLong steps = new AtomicLong();
        try (FineTuning run = start(config(3, 5, 2), stopped)) {
            TrainingLoop.Outcome first = run.train(Progress.silent(), () -> steps.incrementAndGet() >= 7);
            assertEquals(TrainingLoop.Status.INTERRUPTED, first.status());
            assertEquals(7, first.steps());
            assertEquals(7, first.checkpoint().step(), "stopping writes a checkpoint at once");
        }
        try (FineTuning run = FineTuning.resume(stopped, Device.CPU, 2, Replicas.SINGLE)) {
            assertEquals(7, run.firstStep());
            TrainingLoop.Outcome rest = run.train(Progress.silent(), () -> false);
            assertEquals(whole.steps(), rest.steps());
            assertSameState(whole.checkpoint().file(), rest.checkpoint().file());
        }
        List<String> metrics = Files.readAllLines(stopped.resolve(RunDirectory.METRICS));
        assertEquals(whole.steps(), metrics.size(), "one record per step, none repeated");
        for (int i = 0; i < metrics.size(); i++) {
            assertTrue(metrics.get(i).startsWith("{\"step\":" + (i + 1) + ","), metrics.get(i));
        }
    }

    /**
     * A damaged newest checkpoint, cut short or with one byte flipped, is skipped with a warning
     * and kept aside; the run resumes from the one before and still ends equal to an uninterrupted one.
     */
    @Test
    void resumeSkipsADamagedNewestCheckpointAndKeepsIt() throws IOException {
        Path straight = work.resolve("straight");
        TrainingLoop.Outcome whole;
        try (FineTuning run = start(config(3, 5, 3), straight)) {
            whole = run.train(Progress.silent(), () -> false);
        }
        for (boolean truncate : new boolean[] {true, false}) {
            Path folder = work.resolve(truncate ? "truncated" : "flipped");
            AtomicLong steps = new AtomicLong();
            Path newest;
            try (FineTuning run = start(config(3, 5, 3), folder)) {
                newest = run.train(Progress.silent(), () -> steps.incrementAndGet() >= 7).checkpoint().file();
            }
            byte[] bytes = Files.readAllBytes(newest);
            if (truncate) {
                Files.write(newest, java.util.Arrays.copyOf(bytes, bytes.length / 3));
            } else {
                bytes[bytes.length - 5] ^= 0x01;
                Files.write(newest, bytes);
            }
            var captured = new java.io.ByteArrayOutputStream();
            var stderr = System.err;
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            try (FineTuning run = FineTuning.resume(folder, Device.CPU, 2, Replicas.SINGLE)) {
                System.setErr(stderr);
                assertEquals(5, run.firstStep(), "resumed from the checkpoint before the damaged one");
                assertSameState(whole.checkpoint().file(), run.train(Progress.silent(), () -> false).checkpoint().file());
            } finally {
                System.setErr(stderr);
            }
            String warning = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(warning.startsWith("warning: skipped the damaged checkpoint step-00000007.safetensors (")
                    && warning.contains(truncate ? "truncated" : "does not match the checksum")
                    && warning.strip().endsWith("kept as step-00000007.safetensors.damaged"), warning);
            assertTrue(Files.isRegularFile(newest.resolveSibling("step-00000007.safetensors.damaged")), "kept, not deleted");
        }
    }

    @Test
    void aDamagedConfigurationIsNamedAndTheCheckpointsAreSaidIntact() throws IOException {
        Path folder = work.resolve("run");
        try (FineTuning run = start(config(1, 3, 2), folder)) {
            run.train(Progress.silent(), () -> false);
        }
        Files.writeString(folder.resolve(RunDirectory.CONFIG), "{\"dataset\": \"night\", \"model\": {\"dep");
        var error = assertThrows(IOException.class, () -> FineTuning.resume(folder, Device.CPU, 2, Replicas.SINGLE));
        String newest = RunDirectory.latestIn(folder).orElseThrow().toString();
        assertTrue(error.getMessage().startsWith(folder.resolve(RunDirectory.CONFIG) + " is damaged")
                && error.getMessage().contains("the run cannot resume without it")
                && error.getMessage().contains("the newest " + newest + " intact"), error.getMessage());
    }

    @Test
    void aRunsEmbeddingMapIsReadFromItsConfiguration() throws IOException {
        Path fineTuning = Files.createDirectories(work.resolve("fine-tuning"));
        Files.writeString(fineTuning.resolve(RunDirectory.CONFIG), new FineTuneConfig("night", data.toString(), null, TINY, 3,
                "append-one", "hinge", 0.05, "triangular", new TrainingSettings("adam", 0.01, 0.5, 0.9, 0, 4, 1, 10, 1, 0), 0)
                .toJson());
        assertEquals(Optional.of("append-one"), RunDirectory.embeddingOf(fineTuning));
        assertEquals(Optional.empty(), RunDirectory.embeddingOf(Files.createDirectories(work.resolve("reference"))));
        Path broken = Files.createDirectories(work.resolve("broken"));
        Files.writeString(broken.resolve(RunDirectory.CONFIG), "{\"learning\": \"rate\"}");
        var error = assertThrows(IllegalArgumentException.class, () -> RunDirectory.embeddingOf(broken));
        assertTrue(error.getMessage().endsWith("is neither a fine-tuning nor a distillation configuration"), error.getMessage());
    }

    @Test
    void keepsOnlyTheNewestCheckpointsAndDropsMetricsBeyondTheResumePoint() throws IOException {
        Path folder = work.resolve("run");
        try (FineTuning run = start(config(2, 2, 2), folder)) {
            run.train(Progress.silent(), () -> false);
            List<RunDirectory.Saved> saved = run.run().checkpoints();
            assertEquals(2, saved.size());
            assertEquals(run.totalSteps(), saved.getLast().step());
            assertEquals(run.totalSteps() - (run.totalSteps() % 2 == 0 ? 2 : 1), saved.getFirst().step());
            run.run().truncateMetrics(3);
            assertEquals(3, Files.readAllLines(folder.resolve(RunDirectory.METRICS)).size());
        }
        var again = assertThrows(IOException.class, () -> start(config(2, 2, 2), folder));
        assertTrue(again.getMessage().contains("already holds a run"), again.getMessage());
        assertEquals(folder.resolve("checkpoints"), RunDirectory.latestIn(folder).orElseThrow().getParent());
    }

    @Test
    void aLossThatTurnsNaNStopsTheRunWithoutSavingIt() throws IOException {
        List<TwoAfcSample> triplets = NightDataset.load(data, "train");
        RunDirectory run = RunDirectory.create(work.resolve("nan"), "{}");
        long before = Tensor.liveCount();
        try (var model = new LipSimModel(TINY, new Generator(1));
                var adam = Adam.adam(model.parameters(), 0.01, 0.5, 0.9, 1e-8, 0)) {
            var hinge = new HingeObjective(model, EmbeddingMap.UNIT, 0.1, Device.CPU);
            AtomicLong calls = new AtomicLong();
            Objective<TwoAfcSample> poisoned = batch -> {
                Tensor loss = hinge.loss(batch);
                return calls.incrementAndGet() < 5 ? loss : loss.mul(Double.NaN);
            };
            var loop = new TrainingLoop<>(model, adam, LearningRateSchedule.triangular(0.01, 100), poisoned,
                    new TwoAfcTrainingData(triplets, 16, 4, 0, 1, Replicas.SINGLE), run, new TrainingLoop.Settings(10, 3, 5, 0),
                    Replicas.SINGLE);
            var diverged = assertThrows(TrainingDiverged.class, () -> loop.run(0, Progress.silent(), () -> false));
            assertTrue(diverged.getMessage().contains("step 5") && diverged.getMessage().contains("loss is NaN")
                    && diverged.getMessage().contains("step-00000003.safetensors (step 3)"), diverged.getMessage());
            assertEquals(3, run.latestCheckpoint().orElseThrow().step(), "the last good checkpoint stays the newest");
        }
        assertEquals(before, Tensor.liveCount(), "nothing is left behind");
    }
}
