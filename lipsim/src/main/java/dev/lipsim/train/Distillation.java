package dev.lipsim.train;

import dev.lipsim.checkpoint.Checkpoint;
import dev.lipsim.checkpoint.LoadedCheckpoint;
import dev.lipsim.distributed.Replicas;
import dev.lipsim.data.ImageBatches;
import dev.lipsim.data.ParallelLoader;
import dev.lipsim.image.ImageDecoder;
import dev.lipsim.image.Transforms;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.nn.Losses;
import dev.lipsim.nn.optim.LearningRateSchedule;
import dev.lipsim.teacher.DemoTeacher;
import dev.lipsim.teacher.DreamSimTeacher;
import dev.lipsim.teacher.PrecomputedTeacher;
import dev.lipsim.teacher.Teacher;
import dev.lipsim.teacher.TeacherEmbeddings;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Distilling a 1-Lipschitz student from a teacher on an image folder (the paper's step 1), as a
 * resumable run: {@link #start} a new run or {@link #resume} one, then {@link #train}. Adam with
 * linear warm-up then cosine decay; the student's embedding size is the teacher's.
 */
public final class Distillation extends TrainingJob {

    private final DistillConfig config;
    private final Teacher teacher;

    private Distillation(DistillConfig config, RunDirectory folder, TrainingRun.Resume from, List<Path> images, Teacher teacher,
            Device device, int decodeThreads, Replicas replicas) {
        var data = new DistillationData(DistillationData.keyRoot(Path.of(config.dataDir())), images, config.model().imageSize(),
                perReplica(config.training().batchSize(), replicas), config.seed(), decodeThreads, replicas);
        super(new TrainingRun<>(folder, from.from(), from.step(), config.training(),
                student -> new DistillationObjective(student, teacher, config.loss().equals("sum"), device), data,
                totalSteps -> schedule(config, totalSteps), device, replicas));
        this.config = config;
        this.teacher = teacher;
    }

    /** Linear warm-up, at most a tenth of the run (the reference's 2,000 steps are 2% of its), then cosine to 0. */
    private static LearningRateSchedule schedule(DistillConfig config, long totalSteps) {
        return LearningRateSchedule.warmupCosine(config.training().learningRate(), Math.min(config.warmupSteps(),
                totalSteps / 10), totalSteps);
    }

    /** The teacher {@code name} with its files at {@code path}: DreamSim's download, precomputed embeddings, or none (demo). */
    public static Teacher openTeacher(String name, String path) throws IOException {
        return switch (name) {
            case "ensemble" -> DreamSimTeacher.load(Path.of(path));
            case "demo" -> new DemoTeacher();
            case "precomputed" -> PrecomputedTeacher.open(Path.of(path));
            default -> throw new IllegalArgumentException("unknown teacher '" + name + "'; teachers: " + DistillConfig.TEACHERS);
        };
    }

    /**
     * Starts a new run in {@code folder}: {@code initial} (a checkpoint's model and optimizer
     * state, or a seeded initialisation) learns from {@code teacher}. The run owns both from here on.
     */
    public static Distillation start(DistillConfig config, LoadedCheckpoint initial, Teacher teacher, Path folder, Device device,
            int decodeThreads, Replicas replicas) throws IOException {
        try {
            List<Path> images = DistillationData.images(Path.of(config.dataDir()));
            DistillConfig actual = config.withModel(initial.model().config(), images.size());
            RunDirectory run = replicas.rank() == 0 ? RunDirectory.create(folder, actual.toJson()) : RunDirectory.follow(folder);
            return new Distillation(actual, run, new TrainingRun.Resume(initial, 0), images, teacher, device, decodeThreads,
                    replicas);
        } catch (IOException | RuntimeException e) {
            initial.close();
            teacher.close();
            throw e;
        }
    }

    /** Continues the run in {@code folder} from its newest checkpoint (or its start, if it has none). */
    public static Distillation resume(Path folder, Device device, int decodeThreads, Replicas replicas) throws IOException {
        RunDirectory run = RunDirectory.open(folder);
        DistillConfig config = config(run, DistillConfig::fromJson);
        List<Path> images = DistillationData.images(Path.of(config.dataDir()));
        requireSameData("images", config.dataDir(), images.size(), config.trainingImages(), folder);
        Teacher teacher = openTeacher(config.teacher(), config.teacherPath());
        TrainingRun.Resume from;
        try {
            from = TrainingRun.resumePoint(run, config.model().embeddingDim(), () -> initialModel(config), replicas);
        } catch (IOException | RuntimeException e) {
            teacher.close();
            throw e;
        }
        try {
            return new Distillation(config, run, from, images, teacher, device, decodeThreads, replicas);
        } catch (RuntimeException e) {
            from.from().close();
            teacher.close();
            throw e;
        }
    }

    private static LoadedCheckpoint initialModel(DistillConfig config) throws IOException {
        if (config.start() != null) {
            return Checkpoint.load(Path.of(config.start()), config.model().embeddingDim());
        }
        return new LoadedCheckpoint(new LipSimModel(config.model(), new Generator(config.seed())), Map.of(), 0, 0,
                "random initialisation (seed " + config.seed() + ")");
    }

    /**
     * How far {@code student} is from {@code teacher} on {@code images}: the RMSE between the
     * student's features and the teacher's embeddings of the unflipped centre crops.
     */
    public static double rmse(LipSimModel student, Teacher teacher, Path root, List<Path> images, int decodeThreads) {
        int crop = student.config().imageSize();
        double squares = 0;
        long count = 0;
        try (var noGrad = Autograd.noGrad(); var batches = new ImageBatches<>(images,
                file -> centreCrop(file, crop), 16, decodeThreads, ParallelLoader.OnError.FAIL)) {
            student.eval();
            for (ImageBatches.Batch<Path> batch : batches) {
                try (batch; var scope = TensorScope.open()) {
                    List<Teacher.View> views = batch.items().stream()
                            .map(file -> new Teacher.View(TeacherEmbeddings.key(root, file), false)).toList();
                    Tensor targets = teacher.embed(views, batch.images());
                    Tensor error = Losses.rmse(student.forward(batch.images()), targets);
                    double value = error.item();
                    squares += value * value * targets.numel();
                    count += targets.numel();
                }
            }
        }
        return Math.sqrt(squares / count);
    }

    private static Tensor centreCrop(Path file, int crop) throws IOException {
        try (var scope = TensorScope.open()) {
            return TensorScope.release(Transforms.centerCrop(ImageDecoder.read(file), crop).unsqueeze(0));
        }
    }

    public DistillConfig config() {
        return config;
    }

    /** The student as it is now (owned by this run). */
    public LipSimModel student() {
        return model();
    }

    @Override
    public void close() {
        super.close();
        teacher.close();
    }
}
