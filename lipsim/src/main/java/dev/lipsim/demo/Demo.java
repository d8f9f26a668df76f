package dev.lipsim.demo;

import dev.lipsim.attack.AdversarialImages;
import dev.lipsim.attack.Attack;
import dev.lipsim.attack.Norm;
import dev.lipsim.attack.Pgd;
import dev.lipsim.attack.Robustness;
import dev.lipsim.attack.WorstCase;
import dev.lipsim.certify.Certification;
import dev.lipsim.certify.TripletCertificate;
import dev.lipsim.checkpoint.Checkpoint;
import dev.lipsim.checkpoint.LoadedCheckpoint;
import dev.lipsim.data.NightDataset;
import dev.lipsim.data.SyntheticTwoAfc;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.distributed.Replicas;
import dev.lipsim.eval.TwoAfc;
import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.teacher.DemoTeacher;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.train.DistillConfig;
import dev.lipsim.train.Distillation;
import dev.lipsim.train.FineTuneConfig;
import dev.lipsim.train.FineTuning;
import dev.lipsim.train.Progress;
import dev.lipsim.train.TrainingJob;
import dev.lipsim.train.TrainingLoop;
import dev.lipsim.train.TrainingSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The paper's pipeline end to end on data it makes itself, so that it needs no download: a
 * synthetic 2AFC set, a student distilled from the demo teacher, hinge-loss fine-tuning, natural
 * 2AFC against pixel l2 and the untrained model, certified accuracy, and accuracy under PGD and
 * the AutoAttack-style ensemble. Its working files go to {@code FOLDER/work}, replaced by each run.
 */
public final class Demo {

    /** The file that marks a folder as a demo's, so that a rerun may replace what is in it. */
    private static final String MARKER = ".lipsim-demo";
    private static final EmbeddingMap MAP = EmbeddingMap.APPEND_ONE;
    private static final int STAGES = 7;

    private final Path folder;
    private final Path work;
    private final DemoSettings settings;
    private final Progress progress;
    private final BooleanSupplier stop;
    private final int decodeThreads;

    private Demo(Path folder, DemoSettings settings, Progress progress, BooleanSupplier stop, int decodeThreads) {
        this.folder = folder;
        this.work = folder.resolve("work");
        this.settings = settings;
        this.progress = progress;
        this.stop = stop;
        this.decodeThreads = decodeThreads;
    }

    /** Thrown when {@code stop} turned true during training; the folder holds no new report. */
    public static final class Stopped extends Exception {
        Stopped(String stage) {
            super("the demo was stopped while " + stage);
        }
    }

    /**
     * Runs the pipeline into {@code folder} (new, empty, or a previous demo's) and returns what it
     * measured; {@link DemoReport} turns that into the report.
     */
    public static DemoSummary run(Path folder, DemoSettings settings, Progress progress, BooleanSupplier stop, int decodeThreads)
            throws IOException, Stopped {
        Demo demo = new Demo(folder, settings, progress, stop, decodeThreads);
        demo.prepare();
        return demo.pipeline();
    }

    private void prepare() throws IOException {
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw new IOException(folder + " is a file; the demo needs a new, empty or earlier demo folder");
        }
        if (Files.isDirectory(folder) && !Files.exists(folder.resolve(MARKER))) {
            try (Stream<Path> entries = Files.list(folder)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException(folder + " holds files that lipsim demo did not write; choose a new or empty folder");
                }
            }
        }
        Files.createDirectories(folder);
        Files.writeString(folder.resolve(MARKER), "written by lipsim demo; its work/ folder is replaced by each run\n");
        deleteRecursively(work);
    }

    private DemoSummary pipeline() throws IOException, Stopped {
        Path data = work.resolve("data");
        stage(1, "writing " + settings.triplets() + " synthetic triplets of " + settings.model().imageSize() + "x"
                + settings.model().imageSize() + " images");
        SyntheticTwoAfc.write(data, settings.triplets(), settings.model().imageSize(), settings.seed());
        List<TwoAfcSample> test = NightDataset.load(data, "test").stream().filter(t -> t.target() != 0.5).toList();

        stage(2, "distilling a " + settings.model().parameterCount() + "-parameter 1-Lipschitz student from the demo teacher");
        Path distilled = distil(data);
        stage(3, "fine-tuning it on the training triplets with the hinge loss");
        Path finetuned = finetune(data, distilled);

        stage(4, "scoring natural 2AFC on " + test.size() + " test triplets");
        Map<String, DemoSummary.Method> methods = new LinkedHashMap<>();
        List<DemoSummary.Triplet> examples;
        try (LipSim untrained = new LipSim(new LipSimModel(settings.model(), new Generator(settings.seed())), MAP, Device.CPU);
                LipSim student = open(distilled); LipSim metric = open(finetuned)) {
            TwoAfc.Distances distances = TwoAfc.distances(metric, test, settings.batchSize(), decodeThreads);
            methods.put("LipSim, distilled and fine-tuned", method(distances.d0(), distances.d1(), test));
            TwoAfc.Distances before = TwoAfc.distances(student, test, settings.batchSize(), decodeThreads);
            methods.put("LipSim, distilled only", method(before.d0(), before.d1(), test));
            TwoAfc.Distances random = TwoAfc.distances(untrained, test, settings.batchSize(), decodeThreads);
            methods.put("LipSim, untrained", method(random.d0(), random.d1(), test));
            methods.put("pixel l2", method(distances.pixel0(), distances.pixel1(), test));

            stage(5, "certifying every test triplet");
            List<TripletCertificate> certificates = Certification.certify(metric, test, settings.batchSize(), decodeThreads);
            Certification.Accuracy certified = Certification.accuracy(certificates, settings.eps());
            examples = examples(distances, certificates);

            stage(6, "attacking with PGD (l2, " + settings.attackSteps() + " steps)");
            Generator generator = new Generator(settings.seed());
            Robustness.Result pgd = Robustness.evaluate(metric, test, Pgd.pgd(Norm.L2, settings.attackSteps(), generator),
                    settings.eps(), settings.batchSize(), decodeThreads);
            stage(7, "attacking with APGD-CE then Square (the AutoAttack-style ensemble, l2)");
            Attack ensemble = WorstCase.autoAttack(Norm.L2, settings.attackSteps(), settings.squareQueries(), generator);
            AdversarialExample example = new AdversarialExample(metric, work.resolve("adversarial"));
            Robustness.Result autoAttack;
            try (example) {
                autoAttack = Robustness.evaluate(metric, test, ensemble, settings.eps(), settings.batchSize(), decodeThreads,
                        example);
            }
            Map<String, Robustness.Result> attacks = new LinkedHashMap<>();
            attacks.put("pgd-l2", pgd);
            attacks.put("aa-l2", autoAttack);
            return new DemoSummary(settings, new DemoSummary.Data(settings.triplets(), test.size()), methods, certified,
                    radii(certificates), attacks, examples,
                    example.chosen().map(this::relative).orElse(null));
        }
    }

    private void stage(int number, String what) {
        progress.note("[" + number + "/" + STAGES + "] " + what);
    }

    private LipSim open(Path checkpoint) throws IOException {
        LoadedCheckpoint loaded = Checkpoint.load(checkpoint, settings.model().embeddingDim());
        loaded.optimizerState().values().forEach(Tensor::close);
        return new LipSim(loaded.model(), MAP, Device.CPU);
    }

    private Path distil(Path data) throws IOException, Stopped {
        TrainingSettings training = new TrainingSettings("adam", DemoSettings.LEARNING_RATE, 0.5, 0.9, 0, settings.batchSize(),
                settings.distillEpochs(), Long.MAX_VALUE, 1, 0);
        var config = new DistillConfig(data.toString(), "demo", null, null, settings.model(), settings.seed(), "mean", 0,
                training, 0);
        var initial = new LoadedCheckpoint(new LipSimModel(settings.model(), new Generator(settings.seed())), Map.of(), 0, 0,
                "random initialisation (seed " + settings.seed() + ")");
        try (TrainingJob job = Distillation.start(config, initial, new DemoTeacher(), work.resolve("distil"), Device.CPU,
                decodeThreads, Replicas.SINGLE)) {
            return train(job, "distilling");
        }
    }

    private Path finetune(Path data, Path distilled) throws IOException, Stopped {
        TrainingSettings training = new TrainingSettings("adam", DemoSettings.LEARNING_RATE, 0.5, 0.9, 0, settings.batchSize(),
                settings.finetuneEpochs(), Long.MAX_VALUE, 1, 0);
        var config = new FineTuneConfig("night", data.toString(), distilled.toString(), settings.model(), settings.seed(),
                MAP.label(), "hinge", DemoSettings.MARGIN, "triangular", training, 0);
        try (TrainingJob job = FineTuning.start(config, Checkpoint.load(distilled, settings.model().embeddingDim()),
                work.resolve("finetune"), Device.CPU, decodeThreads, Replicas.SINGLE)) {
            return train(job, "fine-tuning");
        }
    }

    private Path train(TrainingJob job, String stage) throws IOException, Stopped {
        TrainingLoop.Outcome outcome = job.train(progress, stop);
        if (outcome.status() != TrainingLoop.Status.COMPLETED) {
            throw new Stopped(stage);
        }
        return outcome.checkpoint().file();
    }

    private static DemoSummary.Method method(double[] d0, double[] d1, List<TwoAfcSample> triplets) {
        double score = 0;
        int correct = 0;
        for (int i = 0; i < triplets.size(); i++) {
            TwoAfcSample triplet = triplets.get(i);
            score += TwoAfc.score(d0[i], d1[i], triplet.target());
            correct += (d1[i] < d0[i] ? 1 : 0) == triplet.humanChoice() && d0[i] != d1[i] ? 1 : 0;
        }
        return new DemoSummary.Method(score / triplets.size(), correct / (double) triplets.size());
    }

    /** The first four test triplets, as the report shows them. */
    private List<DemoSummary.Triplet> examples(TwoAfc.Distances distances, List<TripletCertificate> certificates) {
        List<DemoSummary.Triplet> examples = new ArrayList<>();
        for (int i = 0; i < Math.min(4, certificates.size()); i++) {
            TwoAfcSample triplet = distances.samples().get(i);
            TripletCertificate certificate = certificates.get(i);
            examples.add(new DemoSummary.Triplet(triplet.id(), relative(triplet.reference()), relative(triplet.left()),
                    relative(triplet.right()), triplet.target(), certificate.d0(), certificate.d1(), distances.pixel0()[i],
                    distances.pixel1()[i], certificate.correct() ? certificate.radius() : 0));
        }
        return examples;
    }

    private static double[] radii(List<TripletCertificate> certificates) {
        return certificates.stream().mapToDouble(c -> c.correct() ? c.radius() : 0).toArray();
    }

    private DemoSummary.Adversarial relative(DemoSummary.Adversarial found) {
        return new DemoSummary.Adversarial(found.triplet(), found.eps(), relative(Path.of(found.original())),
                relative(Path.of(found.adversarial())), relative(Path.of(found.left())), relative(Path.of(found.right())),
                found.d0(), found.d1(), found.attackedD0(), found.attackedD1());
    }

    /** Paths in the summary are relative to the demo folder, so that two runs write the same summary. */
    private String relative(Path file) {
        return folder.toAbsolutePath().relativize(file.toAbsolutePath()).toString();
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
