package dev.lipsim.cli;

import static dev.lipsim.cli.Flags.value;

import dev.lipsim.attack.Attack;
import dev.lipsim.attack.Norm;
import dev.lipsim.attack.Pgd;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.eval.Evaluation;
import dev.lipsim.metric.LipSim;
import dev.lipsim.retrieval.EmbeddingIndex;
import dev.lipsim.retrieval.IndexSearch;
import dev.lipsim.retrieval.RetrievalBenchmark;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.io.InputFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * {@code lipsim retrieve}: with {@code --index}, query images against an index from {@code lipsim
 * embed}; else retrieval on a 2AFC set (index: the references; queries: the alternatives people
 * judged closer). Recall@k, certified top-1, top-1 under l2 PGD.
 */
final class RetrieveCommand implements Command {

    @Override
    public String name() {
        return "retrieve";
    }

    @Override
    public String summary() {
        return "nearest indexed images of query images (--index FILE from embed), or retrieval on a 2AFC set;"
                + " recall@k, certified and attacked top-1";
    }

    @Override
    public Options options() {
        Options options = new Options();
        EvaluationOptions.addTo(options);
        EvaluationOptions.addEps(options);
        options.addOption(value("steps", "N", "l2 PGD iterations against each query (default 20; 0 for no attack)"));
        options.addOption(value("index", "FILE",
                "embeddings from lipsim embed --output FILE.safetensors, by the same model; the query images are the arguments"));
        options.addOption(value("matches", "CSV",
                "with --index: each query's true match, lines 'query,match' (an index key or file name)"));
        options.addOption(value("k", "N", "with --index: neighbours listed per query (default 10)"));
        return options;
    }

    @Override
    public int run(CommandLine line, PrintStream out) throws Exception {
        List<Double> eps = EvaluationOptions.eps(line);
        int steps = ModelOptions.integer(line, "steps", 20);
        if (steps < 0) {
            throw new UsageException("--steps must be at least 0, got " + steps);
        }
        Attack attack = steps == 0 ? null : Pgd.pgd(Norm.L2, steps, new Generator(ModelOptions.integer(line, "seed", 0)));
        if (line.hasOption("index")) {
            return searchIndex(line, eps, attack, out);
        }
        EvaluationOptions.Parts parts = EvaluationOptions.parts(line);
        List<TwoAfcSample> triplets = parts.parts().values().stream().flatMap(List::stream).toList();
        Map<String, Object> report;
        try (LipSim metric = EvaluationOptions.open(line)) {
            report = EvaluationOptions.report(line, metric);
            report.put("parts", parts.parts().keySet());
            RetrievalBenchmark.Result result = RetrievalBenchmark.run(metric, triplets, List.of(1, 5, 10), eps, attack,
                    DataOptions.positive(line, "batch-size", Evaluation.DEFAULT_BATCH),
                    DataOptions.positive(line, "decode-threads", 2));
            report.put("result", result);
        }
        Json.print(report, out);
        return Main.OK;
    }

    /** {@code --index FILE QUERY...}: each query's nearest indexed images. */
    private static int searchIndex(CommandLine line, List<Double> eps, Attack attack, PrintStream out) throws Exception {
        List<Path> queries = ImageArguments.expand(line.getArgList());
        if (queries.isEmpty()) {
            throw new UsageException("--index needs query images (files or folders) as arguments");
        }
        Path indexFile;
        Map<Path, String> matches;
        try {
            indexFile = InputFiles.requireRegular(Path.of(line.getOptionValue("index")), "--index");
            matches = line.hasOption("matches")
                    ? IndexSearch.readMatches(InputFiles.requireRegular(Path.of(line.getOptionValue("matches")), "--matches"))
                    : Map.of();
        } catch (IOException e) {
            throw new UsageException(e.getMessage());
        }
        Map<String, Object> report;
        try (LipSim metric = EvaluationOptions.open(line); EmbeddingIndex index = readIndex(indexFile, metric)) {
            report = EvaluationOptions.report(line, metric);
            report.put("index", indexFile.toString());
            IndexSearch.Report result;
            try {
                result = IndexSearch.run(metric, index, queries, matches, DataOptions.positive(line, "k", 10), eps, attack,
                        DataOptions.positive(line, "batch-size", Evaluation.DEFAULT_BATCH),
                        DataOptions.positive(line, "decode-threads", 2));
            } catch (IllegalArgumentException e) { // a query without a match, or a match not in the index
                throw new UsageException(e.getMessage());
            }
            report.put("summary", result.summary());
            report.put("queries", result.answers());
        }
        Json.print(report, out);
        return Main.OK;
    }

    /** The index, or a usage error: a file that is not an index, or one that another model embedded, is bad input. */
    private static EmbeddingIndex readIndex(Path file, LipSim metric) throws UsageException {
        try {
            return EmbeddingIndex.read(file, metric);
        } catch (IOException e) {
            throw new UsageException("--index " + e.getMessage());
        }
    }
}
