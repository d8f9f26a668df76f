package dev.lipsim.ffmgen;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the plain C subset our binding header is written in: preprocessor lines (ignored),
 * comments, {@code typedef}s of scalar and opaque-pointer types and of structs holding one char
 * array (opaque ids passed by value, such as NCCL's {@code ncclUniqueId}), and function prototypes
 * whose parameters are scalars, pointers or such structs. Anything else is rejected with the offending declaration,
 * so the header cannot silently drift into C that this generator would bind wrongly.
 *
 * <p>Scalar sizes are those of Linux x86-64 (LP64), matching what jextract derives there.
 */
final class CHeaderParser {

    private static final Pattern FUNCTION = Pattern.compile("(.+?)\\b([A-Za-z_]\\w*)\\s*\\((.*)\\)");
    private static final Pattern CHAR_ARRAY_STRUCT =
            Pattern.compile("struct(?: [A-Za-z_]\\w*)? ?\\{ ?char ([A-Za-z_]\\w*) ?\\[ ?(\\d+) ?\\] ?; ?\\}");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_]\\w*");
    private static final Map<String, CType> BUILTINS = builtins();

    private final Map<String, CType> typedefs = new HashMap<>();

    private CHeaderParser() {}

    /** Parses {@code source}; {@code origin} names the header in error messages. */
    static CDeclarations parse(String source, String origin) {
        return new CHeaderParser().parseAll(source, origin);
    }

    private CDeclarations parseAll(String source, String origin) {
        List<CDeclarations.Typedef> typedefList = new ArrayList<>();
        List<CDeclarations.Function> functions = new ArrayList<>();
        for (String statement : statements(source)) {
            try {
                if (statement.startsWith("typedef ")) {
                    var typedef = parseTypedef(statement.substring("typedef ".length()).trim());
                    typedefs.put(typedef.name(), typedef.target());
                    typedefList.add(typedef);
                } else {
                    functions.add(parseFunction(statement));
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(origin + ": " + e.getMessage() + " in: " + statement, e);
            }
        }
        return new CDeclarations(List.copyOf(typedefList), List.copyOf(functions));
    }

    /** Splits the source into declarations, without comments and preprocessor lines. */
    private static List<String> statements(String source) {
        String noBlockComments = source.replaceAll("(?s)/\\*.*?\\*/", " ");
        StringBuilder code = new StringBuilder();
        for (String line : noBlockComments.split("\n")) {
            int lineComment = line.indexOf("//");
            String kept = lineComment >= 0 ? line.substring(0, lineComment) : line;
            if (!kept.strip().startsWith("#")) {
                code.append(kept).append(' ');
            }
        }
        List<String> statements = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            if (c == ';' && depth == 0) { // a struct's members end in ';' too
                addStatement(statements, code.substring(start, i));
                start = i + 1;
            }
        }
        addStatement(statements, code.substring(start));
        return statements;
    }

    private static void addStatement(List<String> statements, String text) {
        String normalised = text.strip().replaceAll("\\s+", " ");
        if (!normalised.isEmpty()) {
            statements.add(normalised);
        }
    }

    private CDeclarations.Typedef parseTypedef(String body) {
        Matcher name = Pattern.compile("([A-Za-z_]\\w*)$").matcher(body);
        if (!name.find()) {
            throw new IllegalArgumentException("typedef without a name");
        }
        String target = body.substring(0, name.start()).trim();
        if (target.startsWith("struct ") && target.endsWith("*")) {
            return new CDeclarations.Typedef(name.group(1), pointer(target));
        }
        Matcher struct = CHAR_ARRAY_STRUCT.matcher(target);
        if (struct.matches()) {
            return new CDeclarations.Typedef(name.group(1), CType.struct(name.group(1)),
                    new CDeclarations.CharArray(struct.group(1), Integer.parseInt(struct.group(2))));
        }
        if (target.startsWith("struct ") || target.contains("(")) {
            throw new IllegalArgumentException("only scalar, opaque-pointer and one-char-array struct typedefs are supported");
        }
        return new CDeclarations.Typedef(name.group(1), resolve(target));
    }

    private CDeclarations.Function parseFunction(String statement) {
        Matcher m = FUNCTION.matcher(statement);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a function prototype");
        }
        CType returnType = resolve(m.group(1).trim());
        if (returnType.isStruct()) {
            throw new IllegalArgumentException("a struct return value is not supported");
        }
        String parameterList = m.group(3).trim();
        List<CDeclarations.Parameter> parameters = new ArrayList<>();
        if (!parameterList.isEmpty() && !parameterList.equals("void")) {
            int index = 0;
            for (String parameter : parameterList.split(",")) {
                parameters.add(parseParameter(parameter.trim(), index++));
            }
        }
        return new CDeclarations.Function(m.group(2), returnType, List.copyOf(parameters), statement + ";");
    }

    private CDeclarations.Parameter parseParameter(String parameter, int index) {
        if (parameter.contains("(") || parameter.contains("[") || parameter.equals("...")) {
            throw new IllegalArgumentException("unsupported parameter '" + parameter + "'");
        }
        Matcher last = Pattern.compile("([A-Za-z_]\\w*)$").matcher(parameter);
        String type = parameter;
        String name = "x" + index;
        if (last.find()) {
            String candidate = last.group(1);
            String rest = parameter.substring(0, last.start()).trim();
            boolean isTypeWord = BUILTINS.containsKey(candidate) || typedefs.containsKey(candidate)
                    || rest.isEmpty() || rest.equals("const") || rest.equals("unsigned") || rest.equals("struct");
            if (!isTypeWord) {
                type = rest;
                name = candidate;
            }
        }
        return new CDeclarations.Parameter(name, resolve(type));
    }

    /** Resolves a type spelling (scalar, typedef name, or any pointer) to its FFM carrier. */
    private CType resolve(String spelling) {
        String type = spelling.trim();
        if (type.endsWith("*")) {
            return pointer(type);
        }
        String bare = type.replaceAll("\\bconst\\b", "").trim().replaceAll("\\s+", " ");
        if (bare.equals("void")) {
            return CType.VOID;
        }
        CType builtin = BUILTINS.get(bare);
        if (builtin != null) {
            return builtin;
        }
        CType aliased = typedefs.get(bare);
        if (aliased != null) {
            return new CType(bare, aliased.javaType(), aliased.layout());
        }
        if (!IDENTIFIER.matcher(bare).matches()) {
            throw new IllegalArgumentException("unsupported type '" + spelling + "'");
        }
        throw new IllegalArgumentException("unknown type '" + spelling + "'");
    }

    private static CType pointer(String spelling) {
        return new CType(spelling.replaceAll("\\s*\\*", "*"), "MemorySegment", "C_POINTER");
    }

    private static Map<String, CType> builtins() {
        Map<String, CType> map = new HashMap<>();
        put(map, "boolean", "C_BOOL", "bool", "_Bool");
        put(map, "byte", "C_CHAR", "char", "signed char", "unsigned char", "int8_t", "uint8_t");
        put(map, "short", "C_SHORT", "short", "unsigned short", "int16_t", "uint16_t");
        put(map, "int", "C_INT", "int", "unsigned", "unsigned int", "int32_t", "uint32_t");
        put(map, "long", "C_LONG", "long", "unsigned long", "int64_t", "uint64_t", "size_t", "ptrdiff_t");
        put(map, "long", "C_LONG_LONG", "long long", "unsigned long long");
        put(map, "float", "C_FLOAT", "float");
        put(map, "double", "C_DOUBLE", "double");
        return Map.copyOf(map);
    }

    private static void put(Map<String, CType> map, String javaType, String layout, String... spellings) {
        for (String spelling : spellings) {
            map.put(spelling, new CType(spelling, javaType, layout));
        }
    }
}
