package dev.lipsim.cli;

import static dev.lipsim.cli.Flags.value;

import dev.lipsim.attack.AdversarialImages;
import dev.lipsim.attack.Apgd;
import dev.lipsim.attack.Attack;
import dev.lipsim.attack.CarliniWagner;
import dev.lipsim.attack.DistanceAttack;
import dev.lipsim.attack.Norm;
import dev.lipsim.attack.Pgd;
import dev.lipsim.attack.Robustness;
import dev.lipsim.attack.SquareAttack;
import dev.lipsim.attack.WorstCase;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.eval.Evaluation;
import dev.lipsim.metric.LipSim;
import dev.lipsim.plot.Plots;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.io.AtomicFiles;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** {@code lipsim attack}: 2AFC accuracy with the reference image attacked; the reference's {@code --mode attack}. */
final class AttackCommand implements Command {

    private static final String NAMES = "pgd-l2, pgd-linf, mi-l2, mi-linf, apgd-ce-l2, apgd-ce-linf, square-l2, square-linf,"
            + " aa-l2, aa-linf, cw-l2, distance";

    @Override
    public String name() {
        return "attack";
    }

    @Override
    public String summary() {
        return "2AFC accuracy under attack on the reference image (PGD, MI, APGD-CE, Square, AutoAttack-style), per split";
    }

    @Override
    public Options options() {
        Options options = new Options();
        EvaluationOptions.addTo(options);
        options.addOption(value("attack", "NAME",
                NAMES + " (the reference's PGD-L2, PGD-Linf, MI-L2, MI-Linf, APGD-L2, SQ-L2, SQ-Linf, AA-L2, "
                + "AA-Linf, CW-L2 work too)"));
        EvaluationOptions.addEps(options);
        options.addOption(value("steps", "N", "gradient steps (default 50; APGD-CE 100)"));
        options.addOption(value("queries", "N",
                "the Square attack's score queries per image, alone or in aa-l2 / aa-linf (default 5000)"));
        options.addOption(value("restarts", "N", "APGD-CE runs from random starts (default 1, as the reference)"));
        options.addOption(value("plots", "DIR", "write robust-accuracy.png into DIR"));
        options.addOption(value("per-triplet", "FILE", "write every triplet's outcome to FILE (CSV: split, id, label, "
                + "whether the attacked reference is still decided as people did at each eps)"));
        options.addOption(value("adversarial", "DIR",
                "write each attacked reference image, DIR/<split>/eps-<eps>/<triplet>.png, with an index "
                + "adversarial.csv"));
        return options;
    }

    @Override
    public int run(CommandLine line, PrintStream out) throws Exception {
        EvaluationOptions.Parts parts = EvaluationOptions.parts(line);
        if ("distance".equals(line.getOptionValue("attack"))) {
            return distance(line, parts, out);
        }
        Attack attack = attack(line);
        List<Double> eps = EvaluationOptions.eps(line);
        int batchSize = DataOptions.positive(line, "batch-size", Evaluation.DEFAULT_BATCH);
        int decodeThreads = DataOptions.positive(line, "decode-threads", 2);
        Map<String, Object> report;
        try (LipSim metric = EvaluationOptions.open(line)) {
            report = EvaluationOptions.report(line, metric);
            report.put("dataset", DataOptions.dataset(line));
            report.put("attack", attack.name());
            report.put("eps", eps);
            Map<String, Robustness.Result> results = new LinkedHashMap<>();
            StringBuilder perTriplet = new StringBuilder("split,id,label");
            eps.forEach(e -> perTriplet.append(",decided_as_people_at_").append(e));
            perTriplet.append('\n');
            for (var part : parts.parts().entrySet()) {
                Map<TwoAfcSample, List<Boolean>> outcomes = new LinkedHashMap<>();
                Robustness.Sink table = (triplet, e, adversarial, stillCorrect) ->
                        outcomes.computeIfAbsent(triplet, k -> new ArrayList<>()).add(stillCorrect);
                if (line.hasOption("adversarial")) {
                    try (var images = new AdversarialImages(Path.of(line.getOptionValue("adversarial")).resolve(part.getKey()))) {
                        results.put(part.getKey(), Robustness.evaluate(metric, part.getValue(), attack, eps, batchSize,
                                decodeThreads, (triplet, e, adversarial, stillCorrect) -> {
                                    images.accept(triplet, e, adversarial, stillCorrect);
                                    table.accept(triplet, e, adversarial, stillCorrect);
                                }));
                    }
                } else {
                    results.put(part.getKey(), Robustness.evaluate(metric, part.getValue(), attack, eps, batchSize,
                            decodeThreads, table));
                }
                outcomes.forEach((triplet, decided) -> perTriplet.append(part.getKey()).append(',').append(triplet.id())
                        .append(',').append(triplet.humanChoice())
                        .append(decided.stream().map(d -> "," + d).collect(Collectors.joining())).append('\n'));
            }
            if (line.hasOption("per-triplet")) {
                Path file = Path.of(line.getOptionValue("per-triplet"));
                AtomicFiles.write(file, temporary -> Files.writeString(temporary, perTriplet.toString()));
                report.put("perTriplet", file.toString());
            }
            report.put("parts", results);
            List<Robustness.Result> overall = parts.overallOf().stream().filter(results::containsKey).map(results::get).toList();
            Robustness.Result total = overall.isEmpty() ? null : Robustness.Result.weighted(overall);
            report.put("overall", total);
            report.put("overallOf", parts.overallOf());
            if (line.hasOption("plots") && total != null) {
                Path png = Path.of(line.getOptionValue("plots")).resolve("robust-accuracy.png");
                double[] x = eps.stream().mapToDouble(Double::doubleValue).toArray();
                double[] y = eps.stream().mapToDouble(e -> total.robust().get(e)).toArray();
                Plots.lines(png, "2AFC accuracy under " + attack.name() + " (" + total.triplets() + " triplets)",
                        "radius eps (" + (attack.norm() == Norm.L2 ? "l2" : "l-infinity") + ", pixels in [0, 1])", "accuracy",
                        Map.of(attack.name(), new Plots.Series(x, y)));
                report.put("plots", List.of(png.toString()));
            }
        }
        Json.print(report, out);
        return Main.OK;
    }

    /** {@code --attack distance}: how far the attack moves each reference image's embedding, per eps. */
    private static int distance(CommandLine line, EvaluationOptions.Parts parts, PrintStream out) throws Exception {
        List<Double> eps = EvaluationOptions.eps(line);
        List<Path> images = parts.parts().values().stream().flatMap(List::stream).map(TwoAfcSample::reference).distinct()
                .toList();
        var attack = new DistanceAttack(DataOptions.positive(line, "steps", 50), new Generator(ModelOptions.integer(line, "seed",
                0)));
        Map<String, Object> report;
        try (LipSim metric = EvaluationOptions.open(line)) {
            report = EvaluationOptions.report(line, metric);
            report.put("dataset", DataOptions.dataset(line));
            report.put("attack", "distance");
            report.put("images", images.size());
            report.put("bound", "with a 1-Lipschitz embedding map d(x, x + delta) <= eps^2 / 2: always with append-one, with unit"
                    + " embeddings while ||f(x)|| - 1 >= eps");
            Map<Double, double[]> reached = attack.evaluate(metric, images, eps,
                    DataOptions.positive(line, "batch-size", Evaluation.DEFAULT_BATCH), DataOptions.positive(line,
                            "decode-threads", 2));
            Map<Double, DistanceAttack.Summary> summary = new LinkedHashMap<>();
            reached.forEach((e, values) -> summary.put(e, DistanceAttack.Summary.of(values, e)));
            report.put("distances", summary);
            if (line.hasOption("plots")) {
                double largest = eps.stream().mapToDouble(Double::doubleValue).max().orElse(0);
                Path png = Path.of(line.getOptionValue("plots")).resolve("attack-distances.png");
                Plots.histogram(png, "d(x, x + delta) under the distance attack, eps " + largest, "distance (1 - cos)",
                        reached.get(largest), 30);
                report.put("plots", List.of(png.toString()));
            }
        }
        Json.print(report, out);
        return Main.OK;
    }

    private static Attack attack(CommandLine line) throws UsageException {
        if (!line.hasOption("attack")) {
            throw new UsageException("--attack NAME is required: " + NAMES);
        }
        String given = line.getOptionValue("attack");
        String name = ourName(given);
        int steps = DataOptions.positive(line, "steps", name.startsWith("apgd") || name.startsWith("aa") ? 100 : 50);
        int queries = DataOptions.positive(line, "queries", 5000);
        Generator generator = new Generator(ModelOptions.integer(line, "seed", 0));
        return switch (name) {
            case "pgd-l2" -> Pgd.pgd(Norm.L2, steps, generator);
            case "pgd-linf" -> Pgd.pgd(Norm.LINF, steps, generator);
            case "mi-l2" -> Pgd.momentumIterative(Norm.L2, steps, generator);
            case "mi-linf" -> Pgd.momentumIterative(Norm.LINF, steps, generator);
            case "apgd-ce-l2", "apgd-ce-linf" -> new Apgd(norm(name), Math.max(2, steps),
                    DataOptions.positive(line, "restarts", 1), generator);
            case "square-l2", "square-linf" -> new SquareAttack(norm(name), queries, 0.8, generator);
            case "aa-l2", "aa-linf" -> WorstCase.autoAttack(norm(name), Math.max(2, steps), queries, generator);
            case "cw-l2" -> new CarliniWagner(steps, 5, 0.01, 10);
            default -> throw new UsageException("--attack " + given + " is not available in this version; the attacks here are "
                    + NAMES);
        };
    }

    private static Norm norm(String attack) {
        return attack.endsWith("l2") ? Norm.L2 : Norm.LINF;
    }

    /** The reference's names are ours in capitals, with SQ for square and APGD for apgd-ce. */
    private static String ourName(String given) {
        String name = given.toLowerCase(Locale.ROOT);
        if (name.startsWith("sq-")) {
            return "square-" + name.substring(3);
        }
        return name.startsWith("apgd-") && !name.startsWith("apgd-ce-") ? "apgd-ce-" + name.substring(5) : name;
    }
}
