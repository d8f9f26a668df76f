package dev.lipsim.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lipsim.attack.Robustness;
import dev.lipsim.plot.Plots;
import dev.lipsim.tensor.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a demonstration's results: {@code summary.json} (the numbers) and {@code report.html},
 * one self-contained page whose plots and images are embedded, so that it opens anywhere without
 * the work folder or a network. Each file is replaced atomically.
 */
public final class DemoReport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path folder;
    private final DemoSummary summary;
    private final StringBuilder html = new StringBuilder();

    private DemoReport(Path folder, DemoSummary summary) {
        this.folder = folder;
        this.summary = summary;
    }

    /** Writes {@code summary.json} and {@code report.html} into the demo folder; returns the report's path. */
    public static Path write(Path folder, DemoSummary summary) throws IOException {
        byte[] json = JSON.writeValueAsBytes(summary);
        AtomicFiles.write(folder.resolve("summary.json"), temporary -> Files.write(temporary, json));
        String page = new DemoReport(folder, summary).render();
        Path report = folder.resolve("report.html");
        AtomicFiles.write(report, temporary -> Files.writeString(temporary, page, StandardCharsets.UTF_8));
        return report;
    }

    private String render() throws IOException {
        Path plots = folder.resolve("work/plots");
        DemoSettings settings = summary.settings();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>LipSim demo</title><style>")
                .append("body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
                .append("th:first-child,td:first-child{text-align:left}img.plot{width:100%}")
                .append("img.pixel{width:128px;height:128px;image-rendering:pixelated}figure{display:inline-block;margin:4px}")
                .append("figcaption{font-size:90%;text-align:center}.bad{color:#b00}</style></head><body>\n");
        html.append("<h1>LipSim, end to end</h1>\n<p>A 1-Lipschitz student was distilled from the built-in demo teacher on ")
                .append(summary.data().triplets()).append(" synthetic triplets of ").append(settings.model().imageSize())
                .append("&times;").append(settings.model().imageSize()).append(" images (").append(settings.distillEpochs())
                .append(" epochs), then fine-tuned with the hinge loss (margin ").append(DemoSettings.MARGIN).append(", ")
                .append(settings.finetuneEpochs()).append(" epochs), and scored on the ").append(summary.data().testTriplets())
                .append(" test triplets with a majority. In the synthetic set people always prefer the small perceptual change")
                .append(" (a shift, a brightness change, a blur) to the large one (noise, an occluding patch, swapped colours), and")
                .append(" the two are equally far from the reference in pixels, so pixel distance is near chance. Model: ")
                .append(escape(settings.model().toString())).append(", ").append(settings.model().parameterCount())
                .append(" parameters, append-one embedding (certificates need no norm condition). Seed ").append(settings.seed())
                .append(".</p>\n");

        html.append("<h2>Natural 2AFC</h2>\n<table><tr><th>method</th><th>2AFC score</th><th>accuracy</th></tr>\n");
        Map<String, Double> scores = new LinkedHashMap<>();
        summary.natural().forEach((name, method) -> {
            row(name, method.twoAfc(), method.accuracy());
            scores.put(name, method.twoAfc());
        });
        html.append("</table>\n<p>The 2AFC score is the share of people who agree with the metric (at most 0.9 here, as the")
                .append(" simulated votes are 0.9 to 0.1); accuracy counts the majority's choice as right.</p>\n");
        Plots.bars(plots.resolve("natural.png"), "Natural 2AFC score by method", "2AFC score", scores);
        plot(plots.resolve("natural.png"), "2AFC score by method");

        String metric = "LipSim, distilled and fine-tuned";
        double natural = summary.natural().get(metric).accuracy();
        html.append("<h2>Certified and attacked accuracy</h2>\n<p>Only the reference image is perturbed, by at most eps in l2")
                .append(" (pixels in [0, 1]). Certified: the decision is right and provably cannot change within eps. Under")
                .append(" attack: still right after PGD (").append(settings.attackSteps()).append(" steps) and after APGD-CE")
                .append(" followed by the gradient-free Square attack (").append(settings.squareQueries())
                .append(" queries), the worst case kept per triplet.</p>\n<table><tr><th>eps</th><th>certified</th>");
        summary.attacks().keySet().forEach(name -> html.append("<th>under ").append(escape(name)).append("</th>"));
        html.append("<th>natural</th><th>certified &le; attacked &le; natural</th></tr>\n");
        Map<String, Plots.Series> accuracy = new LinkedHashMap<>();
        double[] eps = settings.eps().stream().mapToDouble(Double::doubleValue).toArray();
        accuracy.put("certified", new Plots.Series(eps, settings.eps().stream().mapToDouble(e -> summary.certified().certified()
                .get(e)).toArray()));
        for (double e : eps) {
            double certified = summary.certified().certified().get(e);
            html.append("<tr><td>").append(format(e)).append(" (").append(Math.round(e * 255)).append("/255)</td><td>")
                    .append(format(certified)).append("</td>");
            double strongest = natural;
            for (Robustness.Result result : summary.attacks().values()) {
                double attacked = result.robust().get(e);
                strongest = Math.min(strongest, attacked);
                html.append("<td>").append(format(attacked)).append("</td>");
            }
            boolean ordered = certified <= strongest && strongest <= natural;
            html.append("<td>").append(format(natural)).append("</td><td").append(ordered ? ">yes" : " class=\"bad\">no")
                    .append("</td></tr>\n");
        }
        html.append("</table>\n");
        summary.attacks().forEach((name, result) -> accuracy.put("under " + name, new Plots.Series(eps, settings.eps().stream()
                .mapToDouble(e -> result.robust().get(e)).toArray())));
        Plots.lines(plots.resolve("certified.png"), "Certified accuracy against the radius", "eps (l2, pixels in [0, 1])",
                "accuracy", Map.of("certified", accuracy.get("certified")));
        plot(plots.resolve("certified.png"), "certified accuracy against eps");
        Plots.lines(plots.resolve("attacked.png"), "Accuracy under attack against the radius", "eps (l2, pixels in [0, 1])",
                "accuracy", accuracy);
        plot(plots.resolve("attacked.png"), "accuracy under attack against eps, with the certified lower bound");
        Plots.histogram(plots.resolve("radii.png"), "Certified radii of the test triplets (0 where the decision is wrong)",
                "certified radius (l2)", summary.radii(), 20);
        plot(plots.resolve("radii.png"), "distribution of certified radii");

        html.append("<h2>Some test triplets</h2>\n");
        for (DemoSummary.Triplet t : summary.examples()) {
            html.append("<div>");
            figure(t.reference(), "reference");
            figure(t.left(), String.format(Locale.ROOT, "left: d %.4f, pixels %.2f", t.d0(), t.pixel0()));
            figure(t.right(), String.format(Locale.ROOT, "right: d %.4f, pixels %.2f", t.d1(), t.pixel1()));
            html.append(String.format(Locale.ROOT, "<p>Triplet %s: %.0f%% of people chose the right image; LipSim chose the %s"
                    + " (certified radius %.4f).</p></div>\n", escape(t.id()), 100 * t.target(), t.d1() < t.d0() ? "right" : "left",
                    t.certifiedRadius()));
        }
        DemoSummary.Adversarial a = summary.adversarial();
        html.append("<h2>An adversarial example</h2>\n");
        if (a == null) {
            html.append("<p>No attack flipped a correct decision at any radius tried.</p>\n");
        } else {
            html.append("<div>");
            figure(a.original(), "reference");
            figure(a.adversarial(), String.format(Locale.ROOT, "attacked, eps %.4f", a.eps()));
            figure(a.left(), "left");
            figure(a.right(), "right");
            html.append(String.format(Locale.ROOT, "<p>Triplet %s: before the attack d(left) %.4f and d(right) %.4f; after it"
                    + " %.4f and %.4f, so the decision flipped. The attacked image is saved with 8 bits per channel.</p></div>\n",
                    escape(a.triplet()), a.d0(), a.d1(), a.attackedD0(), a.attackedD1()));
        }
        html.append("<p>The numbers are in summary.json beside this page; the data, checkpoints and attacked images in work/.")
                .append("</p>\n</body></html>\n");
        return html.toString();
    }

    private void row(String name, double... values) {
        html.append("<tr><td>").append(escape(name)).append("</td>");
        for (double value : values) {
            html.append("<td>").append(format(value)).append("</td>");
        }
        html.append("</tr>\n");
    }

    private void plot(Path png, String alt) throws IOException {
        html.append("<img class=\"plot\" alt=\"").append(escape(alt)).append("\" src=\"").append(dataUri(png)).append("\">\n");
    }

    private void figure(String image, String caption) throws IOException {
        html.append("<figure><img class=\"pixel\" alt=\"").append(escape(caption)).append("\" src=\"")
                .append(dataUri(folder.resolve(image))).append("\"><figcaption>").append(escape(caption))
                .append("</figcaption></figure>");
    }

    private static String dataUri(Path png) throws IOException {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(png));
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
