package dev.lipsim.ffmgen;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes one Java class in the shape jextract (JDK 22+) gives: layout constants, typedef
 * constants, and per function a static method with the C name and Java carrier types plus
 * {@code name$descriptor()}, {@code name$handle()} and {@code name$address()}. Symbols are
 * looked up lazily, on a function's first use, in the named libraries (found by SONAME, so a
 * library the loader already opened is reused), then the class loader's libraries, then the
 * platform's default libraries, as jextract does for {@code --library name}.
 */
final class JextractStyleWriter {

    private final String packageName;
    private final String className;
    private final List<String> libraries;
    private final String headerName;

    JextractStyleWriter(String packageName, String className, List<String> libraries, String headerName) {
        this.packageName = packageName;
        this.className = className;
        this.libraries = List.copyOf(libraries);
        this.headerName = headerName;
    }

    String write(CDeclarations declarations) {
        StringBuilder out = new StringBuilder();
        out.append("// Generated from ").append(headerName).append(" by dev.lipsim.ffmgen. Do not edit:\n")
                .append("// change the header and rebuild. jextract on the same header gives the same API.\n\n")
                .append("package ").append(packageName).append(";\n\n")
                .append("import java.lang.foreign.*;\n")
                .append("import java.lang.invoke.*;\n")
                .append("import java.util.*;\n")
                .append("import java.util.stream.*;\n\n")
                .append("import static java.lang.foreign.ValueLayout.*;\n\n")
                .append("@SuppressWarnings(\"unused\")\n")
                .append("public class ").append(className).append(" {\n\n")
                .append("    ").append(className).append("() {\n        // Should not be called directly\n    }\n\n");
        writeRuntime(out);
        writeLayouts(out);
        for (CDeclarations.Typedef typedef : declarations.typedefs()) {
            out.append("    public static final ").append(typedef.target().layoutClass()).append(' ')
                    .append(typedef.name()).append(" = ");
            if (typedef.struct() != null) {
                out.append("MemoryLayout.structLayout(\n            MemoryLayout.sequenceLayout(")
                        .append(typedef.struct().length()).append(", ").append(className).append(".C_CHAR).withName(\"")
                        .append(typedef.struct().field()).append("\")).withName(\"").append(typedef.name()).append("\");\n");
            } else {
                out.append(className).append('.').append(typedef.target().layout()).append(";\n");
            }
        }
        out.append('\n');
        for (CDeclarations.Function function : declarations.functions()) {
            writeFunction(out, function);
        }
        out.append("}\n");
        return out.toString();
    }

    private void writeRuntime(StringBuilder out) {
        out.append("""
                    static final Arena LIBRARY_ARENA = Arena.ofAuto();
                    static final boolean TRACE_DOWNCALLS = Boolean.getBoolean("jextract.trace.downcalls");

                    static void traceDowncall(String name, Object... args) {
                        String traceArgs = Arrays.stream(args).map(Object::toString).collect(Collectors.joining(", "));
                        System.out.printf("%s(%s)\\n", name, traceArgs);
                    }

                    static MemorySegment findOrThrow(String symbol) {
                        return SYMBOL_LOOKUP.find(symbol)
                                .orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol));
                    }

                """);
        out.append("    static final SymbolLookup SYMBOL_LOOKUP = ");
        for (String library : libraries) {
            out.append("SymbolLookup.libraryLookup(System.mapLibraryName(\"").append(library)
                    .append("\"), LIBRARY_ARENA)\n            .or(");
        }
        out.append("SymbolLookup.loaderLookup()").append(")".repeat(libraries.size()))
                .append("\n            .or(Linker.nativeLinker().defaultLookup());\n\n");
    }

    private static void writeLayouts(StringBuilder out) {
        out.append("""
                    public static final ValueLayout.OfBoolean C_BOOL = ValueLayout.JAVA_BOOLEAN;
                    public static final ValueLayout.OfByte C_CHAR = ValueLayout.JAVA_BYTE;
                    public static final ValueLayout.OfShort C_SHORT = ValueLayout.JAVA_SHORT;
                    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
                    public static final ValueLayout.OfLong C_LONG_LONG = ValueLayout.JAVA_LONG;
                    public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
                    public static final ValueLayout.OfDouble C_DOUBLE = ValueLayout.JAVA_DOUBLE;
                    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS
                            .withTargetLayout(MemoryLayout.sequenceLayout(java.lang.Long.MAX_VALUE, JAVA_BYTE));
                    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;

                """);
    }

    private void writeFunction(StringBuilder out, CDeclarations.Function function) {
        String name = function.name();
        CType result = function.returnType();
        List<CDeclarations.Parameter> parameters = function.parameters();
        String argumentLayouts = parameters.stream()
                .map(p -> className + "." + p.type().layout())
                .collect(Collectors.joining(",\n                "));
        String descriptor = result.isVoid()
                ? "FunctionDescriptor.ofVoid(" + (parameters.isEmpty() ? "" : "\n                " + argumentLayouts) + ")"
                : "FunctionDescriptor.of(\n                " + className + "." + result.layout()
                        + (parameters.isEmpty() ? "" : ",\n                " + argumentLayouts) + ")";
        String javaParameters = parameters.stream()
                .map(p -> p.type().javaType() + " " + p.name())
                .collect(Collectors.joining(", "));
        String argumentNames = parameters.stream()
                .map(CDeclarations.Parameter::name)
                .collect(Collectors.joining(", "));
        String traceArguments = argumentNames.isEmpty() ? "" : ", " + argumentNames;

        out.append("    private static class ").append(name).append(" {\n")
                .append("        public static final FunctionDescriptor DESC = ").append(descriptor).append(";\n\n")
                .append("        public static final MemorySegment ADDR = ").append(className)
                .append(".findOrThrow(\"").append(name).append("\");\n\n")
                .append("        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);\n")
                .append("    }\n\n");
        String doc = "    /**\n     * Function descriptor for:\n     * {@snippet lang=c :\n     * "
                + function.declaration() + "\n     * }\n     */\n";
        out.append(doc)
                .append("    public static FunctionDescriptor ").append(name).append("$descriptor() {\n")
                .append("        return ").append(name).append(".DESC;\n    }\n\n");
        out.append(doc.replace("Function descriptor for", "Downcall method handle for"))
                .append("    public static MethodHandle ").append(name).append("$handle() {\n")
                .append("        return ").append(name).append(".HANDLE;\n    }\n\n");
        out.append(doc.replace("Function descriptor for", "Address for"))
                .append("    public static MemorySegment ").append(name).append("$address() {\n")
                .append("        return ").append(name).append(".ADDR;\n    }\n\n");
        out.append("    /**\n     * {@snippet lang=c :\n     * ").append(function.declaration()).append("\n     * }\n     */\n")
                .append("    public static ").append(result.javaType()).append(' ').append(name)
                .append('(').append(javaParameters).append(") {\n")
                .append("        var mh$ = ").append(name).append(".HANDLE;\n")
                .append("        try {\n")
                .append("            if (TRACE_DOWNCALLS) {\n")
                .append("                traceDowncall(\"").append(name).append('"').append(traceArguments).append(");\n")
                .append("            }\n")
                .append("            ")
                .append(result.isVoid() ? "" : "return (" + result.javaType() + ") ")
                .append("mh$.invokeExact(").append(argumentNames).append(");\n")
                .append("        } catch (Error | RuntimeException ex) {\n")
                .append("            throw ex;\n")
                .append("        } catch (Throwable ex$) {\n")
                .append("            throw new AssertionError(\"should not reach here\", ex$);\n")
                .append("        }\n")
                .append("    }\n\n");
    }
}
