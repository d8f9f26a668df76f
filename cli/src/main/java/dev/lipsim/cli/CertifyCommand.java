package dev.lipsim.cli;

import static dev.lipsim.cli.Flags.value;

import dev.lipsim.certify.Certification;
import dev.lipsim.certify.TripletCertificate;
import dev.lipsim.eval.Evaluation;
import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.plot.Plots;
import dev.lipsim.tensor.io.AtomicFiles;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** {@code lipsim certify}: certified 2AFC accuracy (l2, reference image perturbed); the reference's {@code --mode certified}. */
final class CertifyCommand implements Command {

    private static final int CURVE_POINTS = 60;

    @Override
    public String name() {
        return "certify";
    }

    @Override
    public String summary() {
        return "certified 2AFC accuracy against l2 perturbations of the reference image, per split and overall";
    }

    @Override
    public Options options() {
        Options options = new Options();
        EvaluationOptions.addTo(options);
        EvaluationOptions.addEps(options);
        options.addOption(value("plots", "DIR", "write certified-accuracy.png and radii.png into DIR"));
        options.addOption(value("per-triplet", "FILE", "write every triplet's certificate to FILE (CSV: split, id, "
                + "distances, prediction, label, radius, the reference's radius, certified at each eps)"));
        return options;
    }

    @Override
    public int run(CommandLine line, PrintStream out) throws Exception {
        EvaluationOptions.Parts parts = EvaluationOptions.parts(line);
        List<Double> eps = EvaluationOptions.eps(line);
        int batchSize = DataOptions.positive(line, "batch-size", Evaluation.DEFAULT_BATCH);
        int decodeThreads = DataOptions.positive(line, "decode-threads", 2);
        Map<String, Object> report;
        List<TripletCertificate> all = new ArrayList<>();
        Map<String, List<TripletCertificate>> byPart = new LinkedHashMap<>();
        List<TripletCertificate> overallTriplets = new ArrayList<>();
        try (LipSim metric = EvaluationOptions.open(line)) {
            report = EvaluationOptions.report(line, metric);
            report.put("dataset", DataOptions.dataset(line));
            report.put("eps", eps);
            Map<String, Certification.Accuracy> accuracies = new LinkedHashMap<>();
            for (var part : parts.parts().entrySet()) {
                List<TripletCertificate> certificates = Certification.certify(metric, part.getValue(), batchSize, decodeThreads);
                accuracies.put(part.getKey(), Certification.accuracy(certificates, eps));
                byPart.put(part.getKey(), certificates);
                all.addAll(certificates);
                if (parts.overallOf().contains(part.getKey())) {
                    overallTriplets.addAll(certificates);
                }
            }
            report.put("parts", accuracies);
            boolean complete = accuracies.keySet().containsAll(parts.overallOf());
            report.put("overall", complete ? Certification.accuracy(overallTriplets, eps) : null);
            report.put("overallOf", parts.overallOf());
            if (metric.embeddingMap() == EmbeddingMap.UNIT) {
                normCap(all).ifPresent(note -> report.put("normCap", note));
            }
        }
        report.put("reference", "the reference implementation's number: its radius without the norm condition, ties counted "
                + "as certified; for comparison with published figures, not a guarantee");
        if (line.hasOption("plots")) {
            report.put("plots", plot(Path.of(line.getOptionValue("plots")), all, eps));
        }
        if (line.hasOption("per-triplet")) {
            Path file = Path.of(line.getOptionValue("per-triplet"));
            AtomicFiles.write(file, temporary -> Files.writeString(temporary, perTriplet(byPart, eps)));
            report.put("perTriplet", file.toString());
        }
        Json.print(report, out);
        return Main.OK;
    }

    /** One CSV row per triplet, so a user can check any certificate by hand. */
    static String perTriplet(Map<String, List<TripletCertificate>> byPart, List<Double> eps) {
        StringBuilder csv = new StringBuilder("split,id,d0,d1,prediction,label,radius,reference_radius");
        eps.forEach(e -> csv.append(",certified_at_").append(e));
        csv.append('\n');
        byPart.forEach((part, certificates) -> {
            for (TripletCertificate c : certificates) {
                csv.append(part).append(',').append(c.id()).append(',').append(c.d0()).append(',').append(c.d1())
                        .append(',').append(c.prediction()).append(',').append(c.label()).append(',').append(c.radius())
                        .append(',').append(c.referenceRadius());
                eps.forEach(e -> csv.append(',').append(c.certifiedAt(e)));
                csv.append('\n');
            }
        });
        return csv.toString();
    }

    /**
     * Where unit embeddings' norm condition, not the decision margin, limits the radii: how many
     * correct triplets it cuts and what to do about it; empty when it cuts none.
     */
    static Optional<String> normCap(List<TripletCertificate> certificates) {
        List<TripletCertificate> correct = certificates.stream().filter(TripletCertificate::correct).toList();
        long capped = correct.stream().filter(c -> c.radius() < c.referenceRadius()).count();
        if (capped == 0) {
            return Optional.empty();
        }
        long zero = correct.stream().filter(c -> c.radius() == 0).count();
        return Optional.of(String.format("the radii of %d of %d correctly decided triplets (%d of them 0) are "
                + "cut by the norm condition, not by their margin: unit embeddings are only 1-Lipschitz where the "
                + "reference's feature norm is at least 1, so a radius is at most ||f(ref)|| - 1; a model fine-tuned "
                + "with unit embeddings grows its norms, and --embedding append-one has no such limit",
                capped, correct.size(), zero));
    }

    private static List<String> plot(Path folder, List<TripletCertificate> certificates, List<Double> eps) throws Exception {
        double top = 1.5 * eps.stream().mapToDouble(Double::doubleValue).max().orElse(108 / 255.0);
        double[] grid = new double[CURVE_POINTS + 1];
        for (int i = 0; i <= CURVE_POINTS; i++) {
            grid[i] = top * i / CURVE_POINTS;
        }
        Certification.Accuracy curve = Certification.accuracy(certificates, Arrays.stream(grid).boxed().toList());
        Path accuracy = folder.resolve("certified-accuracy.png");
        Plots.lines(accuracy, "Certified 2AFC accuracy (" + certificates.size() + " triplets)", "l2 radius eps (pixels in [0, 1])",
                "accuracy", Map.of("certified (sound)", series(grid, curve.certified()),
                        "reference implementation's formula", series(grid, curve.reference())));
        Path histogram = folder.resolve("radii.png");
        Plots.histogram(histogram, "Certified radii of correctly decided triplets", "radius (l2, pixels in [0, 1])",
                certificates.stream().filter(TripletCertificate::correct).mapToDouble(TripletCertificate::radius).toArray(), 30);
        return List.of(accuracy.toString(), histogram.toString());
    }

    private static Plots.Series series(double[] grid, Map<Double, Double> values) {
        return new Plots.Series(grid, Arrays.stream(grid).map(values::get).toArray());
    }
}
