package dev.lipsim.cli;

import static dev.lipsim.cli.Flags.value;

import dev.lipsim.checkpoint.LoadedCheckpoint;
import dev.lipsim.distributed.Replicas;
import dev.lipsim.teacher.Teacher;
import dev.lipsim.tensor.Device;
import dev.lipsim.train.DistillConfig;
import dev.lipsim.train.Distillation;
import dev.lipsim.train.TrainingLoop;
import dev.lipsim.train.TrainingSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** {@code lipsim train}: distils a student from a teacher on an image folder (the paper's step 1); the reference's {@code --mode train}. */
final class TrainCommand implements Command {

    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "distil a 1-Lipschitz student from a teacher on an image folder (resumable; Ctrl-C saves)";
    }

    @Override
    public Options options() {
        Options options = new Options();
        DataOptions.addTo(options);
        ModelOptions.addTo(options);
        TrainingOptions.addTo(options, DistillConfig.DEFAULT_EPOCHS);
        options.addOption(value("dreamsim-path", "DIR", "for --teacher_model_name ensemble (the default): the folder "
                + "DreamSim's download filled (its .pth files, ensemble_lora/, DINO in checkpoints/)"));
        options.addOption(value("teacher-embeddings", "PATH", "for --teacher_model_name precomputed: what lipsim embed "
                + "--teacher wrote"));
        options.addOption(value("loss", "NAME", "mean (default: the mean of the two views' RMSE) or sum"));
        options.addOption(value("warmup-steps", "N", "linear warm-up before the cosine decay (default "
                + DistillConfig.DEFAULT_WARMUP_STEPS + ")"));
        return options;
    }

    @Override
    public int run(CommandLine line, PrintStream out) throws Exception {
        int decodeThreads = DataOptions.positive(line, "decode-threads", 2);
        Device device = TrainingOptions.device(line);
        Map<String, Object> report = new LinkedHashMap<>();
        try (Replicas replicas = TrainingOptions.replicas(line, device);
                Distillation run = line.hasOption("resume") ? resume(line, device, decodeThreads, replicas)
                        : start(line, device, decodeThreads, replicas)) {
            report.put("teacher", run.config().teacher());
            boolean interrupted = TrainingOptions.train(run, name(), line, report).status() == TrainingLoop.Status.INTERRUPTED;
            if (replicas.rank() == 0) { // the other ranks train and stay silent
                Json.print(report, out);
            }
            return interrupted ? FinetuneCommand.INTERRUPTED : Main.OK;
        }
    }

    private static Distillation resume(CommandLine line, Device device, int decodeThreads, Replicas replicas)
            throws UsageException, IOException {
        TrainingOptions.requireNoRunFlags(line);
        try {
            return Distillation.resume(Path.of(line.getOptionValue("resume")), device, decodeThreads, replicas);
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static Distillation start(CommandLine line, Device device, int decodeThreads, Replicas replicas)
            throws UsageException, IOException {
        Path folder = TrainingOptions.newRunFolder(line, newReferenceFolder());
        Path dataDir = DataOptions.dataDir(line);
        String teacherName = line.getOptionValue("teacher-model-name", "ensemble");
        String embeddings = teacherPath(line, teacherName);
        TrainingSettings training = TrainingOptions.settings(line, DistillConfig.DEFAULT_EPOCHS, replicas.worldSize());
        Teacher teacher = openTeacher(teacherName, embeddings);
        LoadedCheckpoint initial;
        try {
            initial = ModelOptions.model(line, ModelOptions.checkpointFlag(line), OptionalInt.of(teacher.dimension()));
        } catch (UsageException | IOException | RuntimeException e) {
            teacher.close();
            throw e;
        }
        DistillConfig config;
        try {
            config = config(line, dataDir, teacherName, embeddings, initial, training);
        } catch (UsageException e) {
            teacher.close();
            initial.close();
            throw e;
        }
        try {
            return Distillation.start(config, initial, teacher, folder, device, decodeThreads, replicas);
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Where the reference puts a new training run without {@code --train_dir}: {@code ./trained_models/<date and time>}. */
    private static Path newReferenceFolder() {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd_HH.mm.ss_SSSS", Locale.ROOT));
        return Path.of("trained_models", stamp);
    }

    /** The files of the teacher: DreamSim's folder, precomputed embeddings, or none for the demo teacher. */
    static String teacherPath(CommandLine line, String teacher) throws UsageException {
        return switch (teacher) {
            case "ensemble" -> required(line, "dreamsim-path", "the folder DreamSim's download filled");
            case "precomputed" -> required(line, "teacher-embeddings", "what lipsim embed --teacher wrote");
            case "demo" -> null;
            default -> throw new UsageException("--teacher_model_name " + teacher + ": the teachers here are "
                    + DistillConfig.TEACHERS);
        };
    }

    private static String required(CommandLine line, String flag, String what) throws UsageException {
        if (!line.hasOption(flag)) {
            throw new UsageException("this teacher needs --" + flag.replace('-', '_') + " PATH: " + what);
        }
        return line.getOptionValue(flag);
    }

    private static DistillConfig config(CommandLine line, Path dataDir, String teacher, String embeddings,
            LoadedCheckpoint initial, TrainingSettings training) throws UsageException {
        try {
            return new DistillConfig(dataDir.toString(), teacher, embeddings, line.getOptionValue("checkpoint"),
                    initial.model().config(), ModelOptions.integer(line, "seed", 0), line.getOptionValue("loss", "mean"),
                    ModelOptions.integer(line, "warmup-steps", (int) DistillConfig.DEFAULT_WARMUP_STEPS), training, 0);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static Teacher openTeacher(String name, String embeddings) throws UsageException {
        try {
            return Distillation.openTeacher(name, embeddings);
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
