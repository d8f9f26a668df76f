package dev.lipsim.train;

import dev.lipsim.checkpoint.Checkpoint;
import dev.lipsim.checkpoint.LoadedCheckpoint;
import dev.lipsim.data.BappsDataset;
import dev.lipsim.distributed.Replicas;
import dev.lipsim.data.NightDataset;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.eval.Evaluation;
import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.nn.optim.LearningRateSchedule;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fine-tuning a LipSim model on 2AFC triplets (the paper's step 2), as a resumable run:
 * {@link #start} a new run or {@link #resume} one, then {@link #train} and {@link #evaluate}.
 */
public final class FineTuning extends TrainingJob {

    /** The BAPPS category the reference fine-tunes on. */
    public static final String BAPPS_TRAINING_CATEGORY = "traditional";

    private final FineTuneConfig config;
    private final Device device;

    private FineTuning(FineTuneConfig config, RunDirectory folder, TrainingRun.Resume from, List<TwoAfcSample> triplets,
            Device device, int decodeThreads, Replicas replicas) {
        EmbeddingMap embedding = embeddingMap(config);
        TrainingSettings training = config.training();
        var data = new TwoAfcTrainingData(triplets, config.model().imageSize(), perReplica(training.batchSize(), replicas),
                config.seed(), decodeThreads, replicas);
        super(new TrainingRun<>(folder, from.from(), from.step(), training, model -> config.loss().equals("hinge")
                ? new HingeObjective(model, embedding, config.margin(), device)
                : new RmseObjective(model, embedding, device), data, totalSteps -> schedule(config, totalSteps), device,
                replicas));
        this.config = config;
        this.device = device;
    }

    private static LearningRateSchedule schedule(FineTuneConfig config, long totalSteps) {
        double peak = config.training().learningRate();
        // The triangular schedule needs five steps to place its corners; a shorter run follows its start.
        return config.schedule().equals("cosine")
                ? LearningRateSchedule.warmupCosine(peak, 0, totalSteps)
                : LearningRateSchedule.triangular(peak, Math.max(5, totalSteps));
    }

    /**
     * Starts a new run in {@code folder} from {@code initial}: the model read from
     * {@code config.start()}, with the optimizer state it holds (the reference continues its
     * Adam moments too), or the model initialised from {@code config.seed()}. The run owns
     * {@code initial} from here on.
     */
    public static FineTuning start(FineTuneConfig config, LoadedCheckpoint initial, Path folder, Device device,
            int decodeThreads, Replicas replicas) throws IOException {
        try {
            List<TwoAfcSample> triplets = trainingTriplets(config);
            FineTuneConfig actual = config.withModel(initial.model().config(), triplets.size());
            RunDirectory run = replicas.rank() == 0 ? RunDirectory.create(folder, actual.toJson()) : RunDirectory.follow(folder);
            return new FineTuning(actual, run, new TrainingRun.Resume(initial, 0), triplets, device, decodeThreads, replicas);
        } catch (IOException | RuntimeException e) {
            initial.close();
            throw e;
        }
    }

    /**
     * Continues the run in {@code folder} from its newest checkpoint, or, if it was stopped
     * before its first one, from the model it started with.
     */
    public static FineTuning resume(Path folder, Device device, int decodeThreads, Replicas replicas) throws IOException {
        RunDirectory run = RunDirectory.open(folder);
        FineTuneConfig config = config(run, FineTuneConfig::fromJson);
        List<TwoAfcSample> triplets = trainingTriplets(config);
        requireSameData("training triplets", config.dataDir(), triplets.size(), config.trainingTriplets(), folder);
        TrainingRun.Resume from = TrainingRun.resumePoint(run, config.model().embeddingDim(), () -> initialModel(config),
                replicas);
        try {
            return new FineTuning(config, run, from, triplets, device, decodeThreads, replicas);
        } catch (RuntimeException e) {
            from.from().close();
            throw e;
        }
    }

    /** The model a run started from, made again: read from its start checkpoint or initialised from its seed. */
    private static LoadedCheckpoint initialModel(FineTuneConfig config) throws IOException {
        if (config.start() != null) {
            return Checkpoint.load(Path.of(config.start()), config.model().embeddingDim());
        }
        return new LoadedCheckpoint(new LipSimModel(config.model(), new Generator(config.seed())), Map.of(), 0, 0,
                "random initialisation (seed " + config.seed() + ")");
    }

    /** The triplets a configuration trains on: NIGHT's train split, or BAPPS's train/traditional. */
    static List<TwoAfcSample> trainingTriplets(FineTuneConfig config) throws IOException {
        Path root = Path.of(config.dataDir());
        if (config.dataset().equals("night")) {
            return NightDataset.load(root, "train");
        }
        Path folder = Evaluation.bappsCategories(root, "train").get(BAPPS_TRAINING_CATEGORY);
        if (folder == null) {
            throw new IOException("no BAPPS train/" + BAPPS_TRAINING_CATEGORY + " folder under " + root);
        }
        return BappsDataset.load(folder);
    }

    static EmbeddingMap embeddingMap(FineTuneConfig config) {
        return EmbeddingMap.fromLabel(config.embedding());
    }

    public FineTuneConfig config() {
        return config;
    }

    /**
     * Natural 2AFC of the model as it is now, on the test parts of its dataset (NIGHT's
     * test_imagenet and test_no_imagenet, BAPPS's val categories); also appended to the metrics.
     */
    public Evaluation.Report evaluate(int decodeThreads) throws IOException {
        // Not closed: closing a LipSim closes its model, which this run owns.
        LipSim metric = new LipSim(model(), embeddingMap(config), device);
        Path root = Path.of(config.dataDir());
        int batchSize = config.training().batchSize();
        Evaluation.Report report = config.dataset().equals("night")
                ? Evaluation.night(metric, root, Evaluation.NIGHT_TEST_SPLITS, batchSize, decodeThreads)
                : Evaluation.bapps(metric, root, "val", batchSize, decodeThreads);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("step", run().latestCheckpoint().map(RunDirectory.Saved::step).orElse(0L));
        record.put("evaluation", report);
        run().appendMetrics(record);
        return report;
    }

}
