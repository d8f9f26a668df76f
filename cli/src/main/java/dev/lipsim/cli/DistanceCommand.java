package dev.lipsim.cli;

import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.tensor.io.InputFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** {@code lipsim distance IMG0 IMG1}: the LipSim distance and how far a perturbation can move it. */
final class DistanceCommand implements Command {

    @Override
    public String name() {
        return "distance";
    }

    @Override
    public String summary() {
        return "the LipSim distance of two images, with its certified robustness";
    }

    @Override
    public Options options() {
        Options options = new Options();
        ModelOptions.addTo(options);
        DataOptions.addTrainDir(options);
        return options;
    }

    @Override
    public int run(CommandLine line, PrintStream out) throws Exception {
        List<String> images = line.getArgList();
        if (images.size() != 2) {
            throw new UsageException("expected two images, got " + images.size());
        }
        try {
            for (String image : images) {
                InputFiles.requireRegular(Path.of(image), "image");
            }
        } catch (IOException e) {
            throw new UsageException(e.getMessage());
        }
        try (LipSim metric = EvaluationOptions.open(line)) {
            LipSim.Distance result;
            try {
                result = metric.distance(Path.of(images.get(0)), Path.of(images.get(1)));
            } catch (IOException e) {
                throw new UsageException(e.getMessage()); // an unreadable image is bad input, as in embed
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("images", images);
            report.put("distance", result.distance());
            report.put("embedding", metric.embeddingMap().label());
            report.put("bound", bound(metric.embeddingMap(), result));
            Json.print(report, out);
        }
        return Main.OK;
    }

    /**
     * What the distance's Lipschitz bound says, in words a person can check: with append-one
     * embeddings it holds for any perturbation, so no radius is printed; with unit embeddings it
     * holds up to each image's radius, and a radius of 0 says why.
     */
    private static Map<String, Object> bound(EmbeddingMap map, LipSim.Distance result) {
        Map<String, Object> bound = new LinkedHashMap<>();
        String change = "perturbing either image by delta (l2, pixels in [0, 1], at the model's input size) moves the "
                + "distance by at most ||delta||";
        bound.put("distanceChangePerUnitPerturbation", 1.0);
        if (map == EmbeddingMap.APPEND_ONE) {
            bound.put("statement", change + ", for any delta (append-one embeddings are 1-Lipschitz everywhere)");
        } else {
            bound.put("statement", change + ", for ||delta|| up to that image's certifiedRadius");
            bound.put("certifiedRadius", result.certifiedRadii());
            if (Arrays.stream(result.certifiedRadii()).anyMatch(r -> r == 0)) {
                bound.put("whyZero", "an image whose feature norm (featureNorms) is below 1 has radius 0: unit "
                        + "normalisation is only 1-Lipschitz for norms of at least 1, which an untrained or barely "
                        + "trained model does not reach; --embedding append-one bounds any perturbation");
            }
        }
        bound.put("featureNorms", result.featureNorms());
        return bound;
    }
}
