package dev.lipsim.cli;

import dev.lipsim.data.ImageFolder;
import dev.lipsim.eval.Evaluation;
import dev.lipsim.metric.LipSim;
import dev.lipsim.retrieval.KnnClassifier;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * {@code lipsim knn}: weighted k-NN classification of an image folder's {@code val} split by its
 * {@code train} split (ImageNet's layout, {@code imagenet/train} and {@code imagenet/val} accepted);
 * the reference's {@code --mode knn}.
 */
final class KnnCommand implements Command {

    @Override
    public String name() {
        return "knn";
    }

    @Override
    public String summary() {
        return "weighted k-NN classification accuracy (k = 10, 20, 100, 200; T = 0.07) of DIR/val by DIR/train";
    }

    @Override
    public Options options() {
        Options options = new Options();
        DataOptions.addTo(options);
        ModelOptions.addTo(options);
        return options;
    }

    @Override
    public int run(CommandLine line, PrintStream out) throws Exception {
        Path root = DataOptions.dataDir(line);
        Path folder = Files.isDirectory(root.resolve("imagenet")) ? root.resolve("imagenet") : root;
        ImageFolder training;
        ImageFolder validation;
        try {
            training = ImageFolder.load(folder.resolve("train"));
            validation = ImageFolder.load(folder.resolve("val"));
        } catch (IOException e) {
            throw new UsageException(e.getMessage());
        }
        Map<String, Object> report;
        try (LipSim metric = EvaluationOptions.open(line)) {
            report = EvaluationOptions.report(line, metric);
            report.put("training", training.items().size());
            report.put("validation", validation.items().size());
            report.put("temperature", KnnClassifier.TEMPERATURE);
            try {
                report.put("accuracy", KnnClassifier.accuracy(metric, training, validation, KnnClassifier.REFERENCE_KS,
                        DataOptions.positive(line, "batch-size", Evaluation.DEFAULT_BATCH),
                        DataOptions.positive(line, "decode-threads", 2)));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        Json.print(report, out);
        return Main.OK;
    }
}
