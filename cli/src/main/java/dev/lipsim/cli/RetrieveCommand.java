package dev.lipsim.cli;

import dev.lipsim.attack.Norm;
import dev.lipsim.attack.Pgd;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.eval.Evaluation;
import dev.lipsim.metric.LipSim;
import dev.lipsim.retrieval.RetrievalBenchmark;
import dev.lipsim.tensor.Generator;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code lipsim retrieve}: image retrieval on a 2AFC set (index: the references; queries: the
 * alternatives people judged closer), recall@k, certified top-1 recall, top-1 recall under l2 PGD.
 */
final class RetrieveCommand implements Command {

    @Override
    public String name() {
        return "retrieve";
    }

    @Override
    public String summary() {
        return "retrieval on a 2AFC set: recall@k, certified and attacked top-1 recall of the closer alternatives";
    }

    @Override
    public Options options() {
        Options options = new Options();
        EvaluationOptions.addTo(options);
        EvaluationOptions.addEps(options);
        options.addOption(Option.builder().longOpt("steps").hasArg().argName("N")
                .desc("l2 PGD iterations against each query (default 20; 0 for no attack)").build());
        return options;
    }

    @Override
    public int run(CommandLine line, PrintStream out) throws Exception {
        EvaluationOptions.Parts parts = EvaluationOptions.parts(line);
        List<Double> eps = EvaluationOptions.eps(line);
        int steps = ModelOptions.integer(line, "steps", 20);
        if (steps < 0) {
            throw new UsageException("--steps must be at least 0, got " + steps);
        }
        List<TwoAfcSample> triplets = parts.parts().values().stream().flatMap(List::stream).toList();
        Map<String, Object> report;
        try (LipSim metric = EvaluationOptions.open(line)) {
            report = EvaluationOptions.report(line, metric);
            report.put("parts", parts.parts().keySet());
            RetrievalBenchmark.Result result = RetrievalBenchmark.run(metric, triplets, List.of(1, 5, 10), eps,
                    steps == 0 ? null : Pgd.pgd(Norm.L2, steps, new Generator(ModelOptions.integer(line, "seed", 0))),
                    DataOptions.positive(line, "batch-size", Evaluation.DEFAULT_BATCH),
                    DataOptions.positive(line, "decode-threads", 2));
            report.put("result", result);
        }
        Json.print(report, out);
        return Main.OK;
    }
}
