package dev.lipsim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.data.NightDataset;
import dev.lipsim.data.SyntheticTwoAfc;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.nn.optim.Adam;
import dev.lipsim.nn.optim.LearningRateSchedule;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 1,000 training steps through the whole pipeline (decoding, loop, checkpoints) do not accumulate native memory. */
class TrainingMemoryTest {

    private static final int BATCH = 4;

    @TempDir
    Path work;

    @Test
    void aThousandStepsKeepLiveTensorsFlatAndResidentMemoryBounded() throws IOException {
        Path data = work.resolve("synth");
        SyntheticTwoAfc.write(data, 40, 16, 5);
        List<TwoAfcSample> triplets = NightDataset.load(data, "train");
        RunDirectory run = RunDirectory.create(work.resolve("run"), "{}");
        long before = Tensor.liveCount();
        Sampler sampler = new Sampler();
        try (var model = new LipSimModel(TrainingLoopTest.TINY, new Generator(2));
                var adam = Adam.adam(model.parameters(), 0.003, 0.5, 0.9, 1e-8, 0)) {
            var trainingData = new TwoAfcTrainingData(triplets, 16, BATCH, 0, 1);
            long epochs = Math.ceilDiv(1000, trainingData.stepsPerEpoch());
            var loop = new TrainingLoop<>(model, adam, LearningRateSchedule.triangular(0.003, 1000),
                    new HingeObjective(model, EmbeddingMap.UNIT, 0.05, Device.CPU), trainingData, run,
                    new TrainingLoop.Settings(epochs, 250, 2, 0));
            assertTrue(loop.totalSteps() >= 1000);
            loop.run(0, sampler, () -> false);
            assertEquals(loop.totalSteps(), sampler.steps, "every step was observed");
        }
        // Between steps, besides the model and optimizer, only prefetched images are alive: at most 2 batches.
        assertTrue(sampler.mostLiveLate <= sampler.liveAt100 + 2 * BATCH, "live tensors grew from " + sampler.liveAt100
                + " at step 100 to " + sampler.mostLiveLate + " after step 900");
        // The Java heap's pages are first touched during the first few hundred steps; after that, resident memory is flat.
        long growth = sampler.residentLate - sampler.residentAt500;
        assertTrue(growth < 32L << 20, "resident memory grew by " + (growth >> 20) + " MiB from step 500 to the end");
        assertTrue(Tensor.liveCount() <= before, "everything is freed at the end: " + Tensor.liveCount() + " live, " + before
                + " before");
    }

    /** Records live tensors at step 100, resident memory at step 500, and both over the last 100 steps. */
    private static final class Sampler implements Progress {
        long liveAt100;
        long mostLiveLate;
        long residentAt500;
        long residentLate;
        long steps;

        @Override
        public void started(long firstStep, long totalSteps) {}

        @Override
        public void stepped(StepRecord record) {
            steps++;
            if (record.step() == 100) {
                liveAt100 = Tensor.liveCount();
            } else if (record.step() == 500) {
                residentAt500 = resident();
            } else if (record.step() > record.totalSteps() - 100) {
                mostLiveLate = Math.max(mostLiveLate, Tensor.liveCount());
                residentLate = Math.max(residentLate, resident());
            }
        }

        @Override
        public void note(String message) {}

        @Override
        public void close() {}

        private static long resident() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            throw new IllegalStateException("no VmRSS in /proc/self/status");
        }
    }
}
