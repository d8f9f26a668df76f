package dev.lipsim.cli;

import static dev.lipsim.cli.Flags.value;

import dev.lipsim.data.SyntheticTwoAfc;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code lipsim synth --output DIR}: writes the synthetic 2AFC set in the NIGHT layout. */
final class SynthCommand implements Command {

    @Override
    public String name() {
        return "synth";
    }

    @Override
    public String summary() {
        return "write a synthetic 2AFC dataset in the NIGHT layout";
    }

    @Override
    public Options options() {
        Options options = new Options();
        options.addOption(Option.builder().longOpt("output").hasArg().argName("DIR").required()
                .desc("new or empty folder to write into").build());
        options.addOption(value("count", "N", "triplets (default 1000)"));
        options.addOption(value("size", "PIXELS", "image size (default 64)"));
        options.addOption(value("seed", "N", "seed (default 0)"));
        return options;
    }

    @Override
    public int run(CommandLine line, PrintStream out) throws Exception {
        int count = ModelOptions.integer(line, "count", 1000);
        int size = ModelOptions.integer(line, "size", 64);
        int seed = ModelOptions.integer(line, "seed", 0);
        Path root = Path.of(line.getOptionValue("output"));
        try {
            SyntheticTwoAfc.write(root, count, size, seed);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("output", root.toString());
        report.put("triplets", count);
        report.put("imageSize", size);
        report.put("seed", seed);
        Json.print(report, out);
        return Main.OK;
    }
}
