package dev.lipsim.cli;

import dev.lipsim.eval.Evaluation;
import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.train.FineTuneConfig;
import dev.lipsim.train.RunDirectory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code lipsim eval}: natural 2AFC scores on NIGHT (per split, overall) or BAPPS (per category). */
final class EvalCommand implements Command {

    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String summary() {
        return "natural 2AFC score of a model on NIGHT (per split and overall) or BAPPS (per category)";
    }

    @Override
    public Options options() {
        Options options = new Options();
        DataOptions.addTo(options);
        ModelOptions.addTo(options);
        options.addOption(Option.builder().longOpt("split").hasArg().argName("LIST").desc("NIGHT splits, comma-separated "
                + "(default test_imagenet,test_no_imagenet, whose weighted mean is 'overall'); BAPPS: val (default) or train")
                .build());
        return options;
    }

    @Override
    public int run(CommandLine line, PrintStream out) throws Exception {
        Path dataDir = DataOptions.dataDir(line);
        String dataset = DataOptions.dataset(line);
        int batchSize = DataOptions.positive(line, "batch-size", Evaluation.DEFAULT_BATCH);
        int decodeThreads = DataOptions.positive(line, "decode-threads", 2);
        Path checkpoint = checkpoint(line);
        Map<String, Object> report = new LinkedHashMap<>();
        try (LipSim metric = ModelOptions.open(line, checkpoint, embedding(line))) {
            report.put("model", checkpoint == null ? "random initialisation" : checkpoint.toString());
            report.put("embedding", metric.embeddingMap() == EmbeddingMap.APPEND_ONE ? "append-one" : "unit");
            report.put("dataset", dataset);
            report.put("noEffect", ReferenceCommandLine.ignoredClusterFlags(line));
            Evaluation.Report result;
            try {
                result = dataset.equals("night")
                        ? Evaluation.night(metric, dataDir, splits(line), batchSize, decodeThreads)
                        : Evaluation.bapps(metric, dataDir, line.getOptionValue("split", "val"), batchSize, decodeThreads);
            } catch (IOException | IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            report.put("parts", result.parts());
            report.put("overall", result.overall());
            report.put("overallOf", result.overallOf());
        }
        Json.print(report, out);
        return Main.OK;
    }

    /** {@code --checkpoint}, or the newest checkpoint of {@code --train-dir} (ours or the reference's). */
    private static Path checkpoint(CommandLine line) throws UsageException, IOException {
        Path flag = ModelOptions.checkpointFlag(line);
        if (!line.hasOption("train-dir")) {
            return flag;
        }
        if (flag != null) {
            throw new UsageException("--checkpoint and --train_dir both name a model; give one");
        }
        Path folder = DataOptions.trainDir(line);
        return RunDirectory.latestIn(folder).orElseThrow(() -> new UsageException("--train_dir " + folder
                + " has no checkpoints (checkpoints/step-N.safetensors or checkpoints/model.ckpt-N.pth)"));
    }

    /** The flag's embedding, else that of the fine-tuning run in {@code --train-dir}, else unit. */
    private static EmbeddingMap embedding(CommandLine line) throws UsageException, IOException {
        EmbeddingMap fallback = EmbeddingMap.UNIT;
        if (line.hasOption("train-dir")) {
            Path config = DataOptions.trainDir(line).resolve(RunDirectory.CONFIG);
            if (Files.isRegularFile(config)) {
                try {
                    String name = FineTuneConfig.fromJson(Files.readString(config)).embedding();
                    fallback = name.equals("append-one") ? EmbeddingMap.APPEND_ONE : EmbeddingMap.UNIT;
                } catch (IllegalArgumentException e) {
                    throw new UsageException(config + ": " + e.getMessage());
                }
            }
        }
        return ModelOptions.parseEmbedding(line, fallback);
    }

    private static List<String> splits(CommandLine line) {
        String value = line.getOptionValue("split");
        return value == null ? Evaluation.NIGHT_TEST_SPLITS : Arrays.stream(value.split(",")).map(String::strip).toList();
    }
}
