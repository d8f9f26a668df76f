package dev.lipsim.bindings;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An ATen operator schema as written in PyTorch's {@code native_functions.yaml}, e.g.
 * {@code aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)}.
 * Defaults are recorded for documentation only: the dispatcher does not apply them, so every
 * argument is passed explicitly.
 *
 * @param name the qualified op name, e.g. {@code aten::max}
 * @param overload the overload name, empty for the default overload
 * @param arguments the arguments, keyword-only ones included, in order
 * @param returns the return types, in order ({@code ()} gives none)
 */
record OpSchema(String name, String overload, List<Argument> arguments, List<SchemaType> returns) {

    /** One argument: its name and type. */
    record Argument(String name, SchemaType type) {}

    private static final Pattern SCHEMA =
            Pattern.compile("\\s*([A-Za-z_]\\w*::[A-Za-z_]\\w*)(?:\\.([A-Za-z_]\\w*))?\\s*\\((.*)\\)\\s*->\\s*(.+?)\\s*");

    static OpSchema parse(String schema) {
        Matcher m = SCHEMA.matcher(schema);
        if (!m.matches()) {
            throw new IllegalArgumentException("not an operator schema: " + schema);
        }
        List<Argument> arguments = new ArrayList<>();
        for (String part : splitTopLevel(m.group(3))) {
            if (part.equals("*")) {
                continue;
            }
            String declaration = part.contains("=") ? part.substring(0, part.indexOf('=')).strip() : part;
            int space = declaration.lastIndexOf(' ');
            if (space < 0) {
                throw new IllegalArgumentException("argument without a name '" + part + "' in " + schema);
            }
            arguments.add(new Argument(declaration.substring(space + 1), SchemaType.parse(declaration.substring(0, space))));
        }
        List<SchemaType> returns = new ArrayList<>();
        String returnText = m.group(4);
        if (returnText.startsWith("(") && returnText.endsWith(")")) {
            returnText = returnText.substring(1, returnText.length() - 1);
        }
        for (String part : splitTopLevel(returnText)) {
            String type = part.matches(".*\\s+[A-Za-z_]\\w*$") && !part.endsWith(")")
                    ? part.substring(0, part.lastIndexOf(' '))
                    : part;
            returns.add(SchemaType.parse(type));
        }
        if (Math.max(arguments.size(), returns.size()) > OpCall.STACK_SLOTS) {
            throw new IllegalArgumentException("more than " + OpCall.STACK_SLOTS + " stack slots: " + schema);
        }
        return new OpSchema(m.group(1), m.group(2) == null ? "" : m.group(2), List.copyOf(arguments), List.copyOf(returns));
    }

    /** {@code name.overload}, or {@code name} for the default overload. */
    String qualifiedName() {
        return overload.isEmpty() ? name : name + "." + overload;
    }

    /** Splits on commas outside parentheses, brackets and quotes; drops empty parts. */
    private static List<String> splitTopLevel(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                quote = c == quote ? 0 : quote;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[') {
                depth++;
            } else if (c == ')' || c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i).strip());
                start = i + 1;
            }
        }
        parts.add(text.substring(start).strip());
        parts.removeIf(String::isEmpty);
        return parts;
    }
}
