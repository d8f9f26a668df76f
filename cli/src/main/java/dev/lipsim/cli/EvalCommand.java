package dev.lipsim.cli;

import dev.lipsim.eval.Evaluation;
import dev.lipsim.metric.LipSim;
import java.io.PrintStream;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
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
        EvaluationOptions.addTo(options);
        return options;
    }

    @Override
    public int run(CommandLine line, PrintStream out) throws Exception {
        EvaluationOptions.Parts parts = EvaluationOptions.parts(line);
        int batchSize = DataOptions.positive(line, "batch-size", Evaluation.DEFAULT_BATCH);
        int decodeThreads = DataOptions.positive(line, "decode-threads", 2);
        Map<String, Object> report;
        try (LipSim metric = EvaluationOptions.open(line)) {
            report = EvaluationOptions.report(line, metric);
            report.put("dataset", DataOptions.dataset(line));
            Evaluation.Report result = Evaluation.report(metric, parts.parts(), parts.overallOf(), batchSize, decodeThreads);
            report.put("parts", result.parts());
            report.put("overall", result.overall());
            report.put("overallOf", result.overallOf());
        }
        Json.print(report, out);
        return Main.OK;
    }
}
