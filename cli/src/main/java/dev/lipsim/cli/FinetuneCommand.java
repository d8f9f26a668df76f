package dev.lipsim.cli;

import static dev.lipsim.cli.Flags.value;

import dev.lipsim.checkpoint.LoadedCheckpoint;
import dev.lipsim.distributed.Replicas;
import dev.lipsim.tensor.Device;
import dev.lipsim.train.FineTuneConfig;
import dev.lipsim.train.FineTuning;
import dev.lipsim.train.RunDirectory;
import dev.lipsim.train.TrainingLoop;
import dev.lipsim.train.TrainingSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code lipsim finetune}: the paper's step 2 as a resumable run; the reference's {@code --mode finetune}. */
final class FinetuneCommand implements Command {

    /** Exit code of a run stopped by Ctrl-C after writing its checkpoint (128 + SIGINT, as shells report it). */
    static final int INTERRUPTED = 130;

    @Override
    public String name() {
        return "finetune";
    }

    @Override
    public String summary() {
        return "fine-tune a model on 2AFC triplets with the hinge loss (resumable; Ctrl-C saves)";
    }

    @Override
    public Options options() {
        Options options = new Options();
        DataOptions.addTo(options);
        ModelOptions.addTo(options);
        TrainingOptions.addTo(options, FineTuneConfig.DEFAULT_EPOCHS);
        options.addOption(value("loss", "NAME", "hinge (default, the paper's) or rmse (what the reference trains without "
                + "--loss hinge)"));
        options.addOption(value("margin", "M", "hinge margin (default 0; the paper uses 0.2, 0.4, 0.5)"));
        options.addOption(value("scheduler", "NAME", "interp (default: triangular, 0 -> lr at 2/5 -> lr/20 at 4/5 -> 0) or cosine"));
        options.addOption(Option.builder().longOpt("no-eval").desc("skip the 2AFC evaluation at the end").build());
        return options;
    }

    @Override
    public int run(CommandLine line, PrintStream out) throws Exception {
        int decodeThreads = DataOptions.positive(line, "decode-threads", 2);
        Device device = TrainingOptions.device(line);
        Map<String, Object> report = new LinkedHashMap<>();
        try (Replicas replicas = TrainingOptions.replicas(line, device);
                FineTuning run = line.hasOption("resume") ? resume(line, device, decodeThreads, replicas)
                        : start(line, device, decodeThreads, replicas)) {
            boolean interrupted = TrainingOptions.train(run, name(), line, report).status() == TrainingLoop.Status.INTERRUPTED;
            if (replicas.rank() == 0) { // the other ranks train and stay silent
                if (!interrupted && !line.hasOption("no-eval")) {
                    report.put("evaluation", run.evaluate(decodeThreads));
                }
                Json.print(report, out);
            }
            return interrupted ? INTERRUPTED : Main.OK;
        }
    }

    private static FineTuning resume(CommandLine line, Device device, int decodeThreads, Replicas replicas)
            throws UsageException, IOException {
        TrainingOptions.requireNoRunFlags(line);
        Path folder = Path.of(line.getOptionValue("resume"));
        try {
            return FineTuning.resume(folder, device, decodeThreads, replicas);
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static FineTuning start(CommandLine line, Device device, int decodeThreads, Replicas replicas)
            throws UsageException, IOException {
        Path folder = TrainingOptions.newRunFolder(line, null);
        Path dataDir = DataOptions.dataDir(line);
        String dataset = DataOptions.dataset(line);
        Path start = startCheckpoint(line, folder);
        LoadedCheckpoint initial = ModelOptions.model(line, start);
        FineTuneConfig config;
        try {
            config = config(line, dataset, dataDir, start, initial, replicas.worldSize());
        } catch (UsageException e) {
            initial.close();
            throw e;
        }
        try {
            return FineTuning.start(config, initial, folder, device, decodeThreads, replicas);
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static FineTuneConfig config(CommandLine line, String dataset, Path dataDir, Path start, LoadedCheckpoint initial,
            int ranks) throws UsageException {
        String embedding = ModelOptions.parseEmbedding(line).label();
        TrainingSettings training = TrainingOptions.settings(line, FineTuneConfig.DEFAULT_EPOCHS, ranks);
        try {
            return new FineTuneConfig(dataset, dataDir.toString(), start == null ? null : start.toString(),
                    initial.model().config(), ModelOptions.integer(line, "seed", 0), embedding, line.getOptionValue("loss", "hinge"),
                    DataOptions.number(line, "margin", 0), schedule(line), training, 0);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** {@code --checkpoint}, else (without {@code --random-init}) the newest checkpoint already in the training folder. */
    private static Path startCheckpoint(CommandLine line, Path folder) throws IOException, UsageException {
        Path flag = ModelOptions.checkpointFlag(line);
        if (flag != null || line.hasOption("random-init")) {
            return flag;
        }
        return RunDirectory.latestIn(folder).orElseThrow(() -> new UsageException("no model to fine-tune: give --checkpoint "
                + "FILE, --random-init, or a --train_dir holding checkpoints/model.ckpt-N.pth as the reference does"));
    }

    private static String schedule(CommandLine line) throws UsageException {
        String value = line.getOptionValue("scheduler", "interp");
        return switch (value) {
            case "interp", "triangular" -> "triangular";
            case "cosine" -> "cosine";
            default -> throw new UsageException("--scheduler must be interp (triangular) or cosine, got '" + value + "'");
        };
    }
}
