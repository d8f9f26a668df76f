package dev.lipsim.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.UnrecognizedOptionException;

/**
 * The {@code lipsim} command: {@code lipsim <command> [options]}. Results go to stdout as JSON;
 * errors go to stderr as one line, with exit code 2 for bad input and 1 for failures.
 */
public final class Main {

    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;

    private final Map<String, Command> commands = new LinkedHashMap<>();

    Main(List<Command> available) {
        available.forEach(command -> commands.put(command.name(), command));
    }

    public static void main(String[] args) {
        System.exit(new Main(List.of(new DemoCommand(), new InfoCommand(), new EmbedCommand(), new DistanceCommand(), new SynthCommand(),
                new FinetuneCommand(), new EvalCommand(), new TrainCommand(), new CertifyCommand(),
                new AttackCommand(), new RetrieveCommand(), new KnnCommand()))
                .run(args, System.out, System.err));
    }

    int run(String[] arguments, PrintStream out, PrintStream err) {
        if (arguments.length == 0 || arguments[0].equals("--help") || arguments[0].equals("-h")) {
            printCommands(arguments.length == 0 ? err : out);
            return arguments.length == 0 ? USAGE : OK;
        }
        String[] args = ReferenceCommandLine.kebabCase(arguments);
        if (args[0].startsWith("--")) {
            try {
                args = ReferenceCommandLine.fromMode(args);
            } catch (UsageException e) {
                err.println("lipsim: " + e.getMessage());
                return USAGE;
            }
        }
        Command command = commands.get(args[0]);
        if (command == null) {
            String guess = Suggestions.nearest(args[0], commands.keySet()).map(c -> "did you mean '" + c + "'? ").orElse("");
            err.println("lipsim: unknown command '" + args[0] + "'; " + guess + "commands: "
                    + String.join(", ", commands.keySet()));
            return USAGE;
        }
        Options options = command.options();
        options.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (Arrays.asList(rest).contains("--help") || Arrays.asList(rest).contains("-h")) {
            printHelp(command, options, out);
            return OK;
        }
        try {
            CommandLine line = new DefaultParser().parse(options, rest);
            requireOneValuePerFlag(line);
            return command.run(line, out);
        } catch (UnrecognizedOptionException e) {
            String typed = e.getOption().replaceFirst("^-+", "").replaceFirst("=.*", "");
            List<String> flags = options.getOptions().stream().map(Option::getLongOpt).filter(Objects::nonNull).toList();
            String guess = Suggestions.nearest(typed, flags).map(f -> "; did you mean --" + f + "?").orElse("");
            err.println("lipsim " + command.name() + ": unknown flag " + e.getOption() + guess + " (lipsim " + command.name()
                    + " --help lists them)");
            return USAGE;
        } catch (ParseException | UsageException e) {
            err.println("lipsim " + command.name() + ": " + oneLine(e.getMessage()));
            return USAGE;
        } catch (Exception e) {
            err.println("lipsim " + command.name() + ": " + oneLine(e.getMessage()));
            return FAILURE;
        } catch (OutOfMemoryError e) {
            err.println("lipsim " + command.name() + ": out of Java heap memory (" + e.getMessage() + "); give the JVM more with "
                    + "LIPSIM_JAVA_OPTS=-Xmx<size>, or use smaller batches");
            return FAILURE;
        }
    }

    /** The first line of a message: libtorch appends its C++ stack trace ("Exception raised from ...", "frame #0") below it. */
    static String oneLine(String message) {
        if (message == null) {
            return "failed without a message";
        }
        String first = message.strip().lines().findFirst().orElse("");
        return first.isEmpty() ? "failed without a message" : first;
    }

    /** A flag given twice with different values is an error, not a silent choice of one. */
    private static void requireOneValuePerFlag(CommandLine line) throws UsageException {
        for (Option option : line.getOptions()) {
            String[] values = line.getOptionValues(option.getLongOpt());
            if (values != null && Arrays.stream(values).distinct().count() > 1) {
                throw new UsageException("--" + option.getLongOpt() + " is given more than once, with different values: "
                        + String.join(", ", values));
            }
        }
    }

    private void printCommands(PrintStream stream) {
        stream.println("usage: lipsim <command> [options]; lipsim <command> --help for its options");
        commands.values().forEach(c -> stream.printf("  %-10s %s%n", c.name(), c.summary()));
    }

    private static void printHelp(Command command, Options options, PrintStream out) {
        PrintWriter writer = new PrintWriter(out, true);
        new HelpFormatter().printHelp(writer, 100, "lipsim " + command.name() + " [options]", command.summary(),
                options, 2, 2, "", true);
        writer.flush();
    }
}
