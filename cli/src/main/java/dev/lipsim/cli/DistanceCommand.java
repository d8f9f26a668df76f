package dev.lipsim.cli;

import dev.lipsim.metric.LipSim;
import dev.lipsim.tensor.io.InputFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
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
            Map<String, Object> bound = new LinkedHashMap<>();
            bound.put("statement", "perturbing one image by delta (l2, pixels in [0, 1], at the model's input size) "
                    + "moves the distance by at most ||delta||, for ||delta|| up to that image's certified radius");
            bound.put("distanceChangePerUnitPerturbation", 1.0);
            bound.put("certifiedRadius", radii(result.certifiedRadii()));
            bound.put("featureNorms", result.featureNorms());
            report.put("bound", bound);
            Json.print(report, out);
        }
        return Main.OK;
    }

    /** JSON has no infinity: unlimited radii are written as the string "unlimited". */
    private static Object[] radii(double[] values) {
        Object[] radii = new Object[values.length];
        for (int i = 0; i < values.length; i++) {
            radii[i] = Double.isInfinite(values[i]) ? "unlimited" : values[i];
        }
        return radii;
    }
}
