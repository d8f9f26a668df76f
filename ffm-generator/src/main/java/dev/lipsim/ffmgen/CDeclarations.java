package dev.lipsim.ffmgen;

import java.util.List;

/**
 * What a header declares: typedefs (in order) and function prototypes (in order).
 */
record CDeclarations(List<Typedef> typedefs, List<Function> functions) {

    /** {@code typedef <target> name;}: a name for a type; {@code struct} is the body of a struct typedef, else null. */
    record Typedef(String name, CType target, CharArray struct) {
        Typedef(String name, CType target) {
            this(name, target, null);
        }
    }

    /** A struct's one member, {@code char field[length]}. */
    record CharArray(String field, int length) {}

    /** A function parameter; {@code name} is the header's name for it. */
    record Parameter(String name, CType type) {}

    /** A function prototype, with its declaration as written (normalised whitespace). */
    record Function(String name, CType returnType, List<Parameter> parameters, String declaration) {}
}
