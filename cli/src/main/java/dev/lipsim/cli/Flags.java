package dev.lipsim.cli;

import org.apache.commons.cli.Option;

/** How a flag that takes a value is declared, once for every command. */
final class Flags {

    private Flags() {}

    /** {@code --name ARGUMENT}, described for {@code --help}. */
    static Option value(String name, String argument, String description) {
        return Option.builder().longOpt(name).hasArg().argName(argument).desc(description).build();
    }
}
