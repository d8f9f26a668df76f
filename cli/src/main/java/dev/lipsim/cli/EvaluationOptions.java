package dev.lipsim.cli;

import static dev.lipsim.cli.Flags.value;

import dev.lipsim.certify.Certification;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.eval.Evaluation;
import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.train.RunDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** What commands that score a model on a 2AFC dataset share: the model (also from a training folder) and the parts. */
final class EvaluationOptions {

    private EvaluationOptions() {}

    /**
     * The triplets by part and the parts that make up "overall".
     *
     * @param parts NIGHT splits or BAPPS categories, with their triplets
     * @param overallOf the parts whose size-weighted mean is the overall score
     */
    record Parts(Map<String, List<TwoAfcSample>> parts, List<String> overallOf) {}

    static void addTo(Options options) {
        DataOptions.addTo(options);
        ModelOptions.addTo(options);
        options.addOption(value("split", "LIST", "NIGHT splits, comma-separated (default test_imagenet,test_no_imagenet, "
                + "whose weighted mean is 'overall'; with other splits, 'overall' is the mean of those asked for); "
                + "BAPPS: val (default) or train"));
    }

    /** Adds {@code --eps}, the radii a command scores at. */
    static void addEps(Options options) {
        options.addOption(value("eps", "LIST",
                "radii, comma-separated, as numbers or N/255 (default 36/255,72/255,108/255)"));
    }

    /** {@code --eps}: radii as numbers or {@code N/255}, the paper's three by default. */
    static List<Double> eps(CommandLine line) throws UsageException {
        if (!line.hasOption("eps")) {
            return Certification.PAPER_EPS;
        }
        List<Double> values = new ArrayList<>();
        for (String part : line.getOptionValue("eps").split(",")) {
            String value = part.strip();
            try {
                int slash = value.indexOf('/');
                double eps = slash < 0 ? Double.parseDouble(value)
                        : Double.parseDouble(value.substring(0, slash)) / Double.parseDouble(value.substring(slash + 1));
                if (!(eps >= 0) || Double.isInfinite(eps)) {
                    throw new NumberFormatException();
                }
                values.add(eps);
            } catch (NumberFormatException e) {
                throw new UsageException("--eps expects radii >= 0 as numbers or N/255, comma-separated; got '" + value + "'");
            }
        }
        return values;
    }

    /** The metric: {@code --checkpoint}, the newest checkpoint of {@code --train-dir}, or {@code --random-init}. */
    static LipSim open(CommandLine line) throws UsageException, IOException {
        return ModelOptions.open(line, checkpoint(line), embedding(line));
    }

    /** Starts a report with what was scored: the model, its embedding map, and the flags that had no effect. */
    static Map<String, Object> report(CommandLine line, LipSim metric) throws UsageException, IOException {
        Path checkpoint = checkpoint(line);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", checkpoint == null ? "random initialisation" : checkpoint.toString());
        report.put("embedding", metric.embeddingMap().label());
        report.put("noEffect", ReferenceCommandLine.ignoredClusterFlags(line));
        return report;
    }

    static Parts parts(CommandLine line) throws UsageException {
        Path dataDir = DataOptions.dataDir(line);
        try {
            if (DataOptions.dataset(line).equals("night")) {
                String value = line.getOptionValue("split");
                List<String> splits = value == null ? Evaluation.NIGHT_TEST_SPLITS
                        : Arrays.stream(value.split(",")).map(String::strip).toList();
                return new Parts(Evaluation.nightParts(dataDir, splits), Evaluation.nightOverallOf(splits));
            }
            Map<String, List<TwoAfcSample>> parts = Evaluation.bappsParts(dataDir, line.getOptionValue("split", "val"));
            return new Parts(parts, List.copyOf(parts.keySet()));
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
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
            try {
                fallback = RunDirectory.embeddingOf(DataOptions.trainDir(line)).map(EmbeddingMap::fromLabel).orElse(fallback);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        return ModelOptions.parseEmbedding(line, fallback);
    }
}
