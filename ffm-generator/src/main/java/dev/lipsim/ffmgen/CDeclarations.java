package dev.lipsim.ffmgen;

import java.util.List;

/**
 * What a header declares: typedefs (in order) and function prototypes (in order).
 */
record CDeclarations(List<Typedef> typedefs, List<Function> functions) {

    /** {@code typedef <target> name;}: a name for a type. */
    record Typedef(String name, CType target) {}

    /** A function parameter; {@code name} is the header's name for it. */
    record Parameter(String name, CType type) {}

    /** A function prototype, with its declaration as written (normalised whitespace). */
    record Function(String name, CType returnType, List<Parameter> parameters, String declaration) {}
}
