package dev.lipsim.cli;

import static dev.lipsim.cli.Flags.value;

import dev.lipsim.bindings.LibTorch;
import dev.lipsim.demo.Demo;
import dev.lipsim.demo.DemoReport;
import dev.lipsim.demo.DemoSettings;
import dev.lipsim.demo.DemoSummary;
import dev.lipsim.train.Progress;
import dev.lipsim.train.StopSignal;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code lipsim demo}: the whole pipeline on synthetic data, ending in a self-contained HTML report. */
final class DemoCommand implements Command {

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "distil, fine-tune, evaluate, certify and attack on synthetic data; writes report.html (no download needed)";
    }

    @Override
    public Options options() {
        Options options = new Options();
        options.addOption(value("output", "DIR",
                "where the report and its work files go (default lipsim-demo); a rerun replaces them"));
        options.addOption(Option.builder().longOpt("quick").desc("less data and training: under a minute").build());
        options.addOption(value("seed", "N", "seed (default 0)"));
        options.addOption(value("decode-threads", "N", "image decoding threads (default 2)"));
        options.addOption(value("threads", "N", "libtorch compute threads (default 1: the demo's 32x32 images are too "
                + "small for more to pay, and the decoders get the other cores; BENCHMARKS.md)"));
        return options;
    }

    @Override
    public int run(CommandLine line, PrintStream out) throws Exception {
        Path folder = Path.of(line.getOptionValue("output", "lipsim-demo"));
        long seed = ModelOptions.integer(line, "seed", 0);
        DemoSettings settings = line.hasOption("quick") ? DemoSettings.quick(seed) : DemoSettings.standard(seed);
        LibTorch.setThreads(DataOptions.positive(line, "threads", 1));
        DemoSummary summary;
        try (Progress progress = Progress.on(System.err, Progress.terminal(), 20); StopSignal stop = StopSignal.install(System.err)) {
            summary = Demo.run(folder, settings, progress, stop, DataOptions.positive(line, "decode-threads", 2));
        } catch (Demo.Stopped e) {
            System.err.println("lipsim demo: " + e.getMessage() + "; no report was written");
            return FinetuneCommand.INTERRUPTED;
        }
        Path report = DemoReport.write(folder, summary);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("report", report.toString());
        result.put("summary", folder.resolve("summary.json").toString());
        result.put("natural", summary.natural());
        result.put("certified", summary.certified().certified());
        Json.print(result, out);
        return Main.OK;
    }
}
