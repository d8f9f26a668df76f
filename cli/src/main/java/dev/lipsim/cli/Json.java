package dev.lipsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;

/** How the CLI writes JSON: indented, UTF-8, one document per command. */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    static void print(Object value, PrintStream out) throws Exception {
        out.println(MAPPER.writeValueAsString(value));
    }
}
