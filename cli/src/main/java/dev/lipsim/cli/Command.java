package dev.lipsim.cli;

import java.io.PrintStream;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** One {@code lipsim} subcommand. */
interface Command {

    /** The subcommand's name, as typed. */
    String name();

    /** One line for the command list. */
    String summary();

    /** Its options (without {@code --help}, which every command has). */
    Options options();

    /**
     * Runs the command; returns the exit code. Bad input is reported by throwing
     * {@link UsageException}, which becomes a one-line error and exit code 2.
     */
    int run(CommandLine line, PrintStream out) throws Exception;
}
