package dev.lipsim.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.checkpoint.LoadedCheckpoint;
import dev.lipsim.data.SyntheticTwoAfc;
import dev.lipsim.distributed.Replicas;
import dev.lipsim.image.ImageDecoder;
import dev.lipsim.image.Transforms;
import dev.lipsim.model.LipSimConfig;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.teacher.DemoTeacher;
import dev.lipsim.teacher.PrecomputedTeacher;
import dev.lipsim.teacher.Teacher;
import dev.lipsim.teacher.TeacherEmbeddings;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Distillation from the demo teacher: it learns, and precomputed targets give the same run. */
class DistillationTest {

    private static final LipSimConfig STUDENT = new LipSimConfig(2, 32, 8, 1, 128, DemoTeacher.DIMENSION, 32);

    @TempDir
    static Path shared;

    static Path images;
    static Path heldOut;

    @TempDir
    Path work;

    @BeforeAll
    static void synthesize() throws IOException {
        SyntheticTwoAfc.write(shared.resolve("train"), 300, 32, 1);
        SyntheticTwoAfc.write(shared.resolve("held-out"), 60, 32, 2);
        images = shared.resolve("train/ref");
        heldOut = shared.resolve("held-out/ref");
    }

    static DistillConfig config(String teacher, String embeddings, int epochs) {
        return new DistillConfig(images.toString(), teacher, embeddings, null, STUDENT, 5, "mean", 20,
                new TrainingSettings("adam", 0.01, 0.5, 0.9, 0, 16, epochs, 1000, 1, 0), 0);
    }

    static Distillation start(DistillConfig config, Teacher teacher, Path folder) throws IOException {
        var student = new LipSimModel(STUDENT, new Generator(config.seed()));
        return Distillation.start(config, new LoadedCheckpoint(student, Map.of(), 0, 0, "test"), teacher, folder, Device.CPU, 2,
                Replicas.SINGLE);
    }

    @Test
    void distillingFromTheDemoTeacherHalvesTheHeldOutError() throws IOException {
        List<Path> held = DistillationData.images(heldOut);
        try (var teacher = new DemoTeacher(); Distillation run = start(config("demo", null, 20), new DemoTeacher(), work)) {
            double before = Distillation.rmse(run.student(), teacher, heldOut, held, 2);
            run.train(Progress.silent(), () -> false);
            double after = Distillation.rmse(run.student(), teacher, heldOut, held, 2);
            double zeros = rootMeanSquare(teacher, held);
            String result = String.format("held-out RMSE %.5f -> %.5f (predicting zeros: %.5f)", before, after, zeros);
            System.out.println(result);
            assertTrue(after <= before / 2, result);
            assertTrue(after <= zeros / 2, "the student learned more than the targets' scale: " + result);
        }
    }

    /** The RMSE of predicting zeros: the root mean square of the targets. */
    private static double rootMeanSquare(Teacher teacher, List<Path> files) throws IOException {
        try (var scope = TensorScope.open()) {
            double squares = 0;
            for (Path file : files) {
                Tensor crop = Transforms.centerCrop(ImageDecoder.read(file), 32).unsqueeze(0);
                squares += teacher.embed(List.of(new Teacher.View(file.toString(), false)), crop).square().mean().item();
            }
            return Math.sqrt(squares / files.size());
        }
    }

    @Test
    void precomputedTargetsGiveTheSameRunAsTheTeacherOnTheFly() throws IOException {
        Path embeddings = work.resolve("embeddings");
        var written = TeacherEmbeddings.write(new DemoTeacher(), images, DistillationData.images(images), 32, embeddings, 2);
        assertEquals(300, written.images());
        Map<String, double[]> live;
        try (Distillation run = start(config("demo", null, 2), new DemoTeacher(), work.resolve("live"))) {
            live = TrainingLoopTest.contents(run.train(Progress.silent(), () -> false).checkpoint().file());
        }
        try (Distillation run = start(config("precomputed", embeddings.toString(), 2), PrecomputedTeacher.open(embeddings),
                work.resolve("precomputed"))) {
            Map<String, double[]> replayed = TrainingLoopTest.contents(run.train(Progress.silent(), () -> false).checkpoint().file());
            assertEquals(live.keySet(), replayed.keySet());
            live.forEach((name, values) -> assertArrayEquals(values, replayed.get(name), 1e-6, name));
        }
    }

    @Test
    void viewsFollowTheItemSeedWhateverThreadDecodesThem() throws IOException {
        var data = new DistillationData(images, DistillationData.images(images), 32, 4, 9, 3, Replicas.SINGLE);
        List<TwoViews> first = data.order(0);
        assertEquals(first, data.order(0), "an epoch's order and seeds are fixed by the run's seed");
        assertNotEquals(first, data.order(1), "and differ between epochs");
        TwoViews item = first.getFirst();
        try (var scope = TensorScope.open()) {
            Tensor views = item.decode(32);
            Tensor again = item.decode(32);
            assertArrayEquals(views.toFloatArray(), again.toFloatArray(), 0f);
            Tensor crop = ImageDecoder.read(item.image());
            Tensor expected = item.firstViewFlipped() ? crop.flip(2) : crop;
            assertArrayEquals(expected.toFloatArray(), views.select(0, 0).toFloatArray(), 0f, "view 0 is the crop, maybe flipped");
        }
    }
}
