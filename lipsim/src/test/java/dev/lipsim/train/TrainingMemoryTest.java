package dev.lipsim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.data.NightDataset;
import dev.lipsim.data.SyntheticTwoAfc;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.distributed.Replicas;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.nn.optim.Adam;
import dev.lipsim.nn.optim.LearningRateSchedule;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Collections;
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
            var trainingData = new TwoAfcTrainingData(triplets, 16, BATCH, 0, 1, Replicas.SINGLE);
            long epochs = Math.ceilDiv(1000, trainingData.stepsPerEpoch());
            var loop = new TrainingLoop<>(model, adam, LearningRateSchedule.triangular(0.003, 1000),
                    new HingeObjective(model, EmbeddingMap.UNIT, 0.05, Device.CPU), trainingData, run,
                    new TrainingLoop.Settings(epochs, 250, 2, 0), Replicas.SINGLE);
            assertTrue(loop.totalSteps() >= 1000);
            loop.run(0, sampler, () -> false);
            assertEquals(loop.totalSteps(), sampler.steps, "every step was observed");
        }
        // Between steps, besides the model and optimizer, only prefetched images are alive: at most 2 batches.
        assertTrue(sampler.mostLiveLate <= sampler.liveAt100 + 2 * BATCH, "live tensors grew from " + sampler.liveAt100
                + " at step 100 to " + sampler.mostLiveLate + " after step 900");
        // Native memory (where tensors live) is measured with malloc's own count: resident memory also follows the Java
        // heap, whose pages the JVM touches for the first time at its own pace.
        long growth = sampler.nativeLate - sampler.nativeAt500;
        assertTrue(growth < 32L << 20, "native memory in use grew by " + (growth >> 20) + " MiB from step 500 to the end");
        assertTrue(Tensor.liveCount() <= before, "everything is freed at the end: " + Tensor.liveCount() + " live, " + before
                + " before");
    }

    /** glibc's {@code struct mallinfo2}: ten {@code size_t} fields. */
    private static final MethodHandle MALLINFO2 = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().findOrThrow("mallinfo2"),
            FunctionDescriptor.of(MemoryLayout.structLayout(Collections.nCopies(10, ValueLayout.JAVA_LONG)
                    .toArray(MemoryLayout[]::new))));

    /** Records live tensors at step 100, native memory at step 500, and both over the last 100 steps. */
    private static final class Sampler implements Progress {
        long liveAt100;
        long mostLiveLate;
        long nativeAt500;
        long nativeLate;
        long steps;

        @Override
        public void started(long firstStep, long totalSteps) {}

        @Override
        public void stepped(StepRecord record) {
            steps++;
            if (record.step() == 100) {
                liveAt100 = Tensor.liveCount();
            } else if (record.step() == 500) {
                nativeAt500 = nativeInUse();
            } else if (record.step() > record.totalSteps() - 100) {
                mostLiveLate = Math.max(mostLiveLate, Tensor.liveCount());
                nativeLate = Math.max(nativeLate, nativeInUse());
            }
        }

        @Override
        public void note(String message) {}

        @Override
        public void close() {}

        /** Bytes malloc has handed out and not had back, over all arenas (glibc's {@code mallinfo2}: uordblks + hblkhd). */
        private static long nativeInUse() {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment info = (MemorySegment) MALLINFO2.invokeExact((SegmentAllocator) arena);
                return info.get(ValueLayout.JAVA_LONG, 7 * 8) + info.get(ValueLayout.JAVA_LONG, 4 * 8);
            } catch (Throwable e) {
                throw new IllegalStateException("mallinfo2 failed", e);
            }
        }
    }
}
