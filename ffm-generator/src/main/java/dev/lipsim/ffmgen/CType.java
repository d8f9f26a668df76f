package dev.lipsim.ffmgen;

/**
 * A C type reduced to what crosses the FFM boundary: a Java carrier type and the name of the
 * jextract layout constant that describes it.
 *
 * @param spelling the type as written in the header, for documentation
 * @param javaType the Java carrier ({@code int}, {@code MemorySegment}, ...), or {@code void}
 * @param layout the layout constant in the generated class ({@code C_INT}, ...), null for void
 */
record CType(String spelling, String javaType, String layout) {

    static final CType VOID = new CType("void", "void", null);

    /** A struct passed by value: a segment of the struct's layout, the constant named after the typedef. */
    static CType struct(String typedefName) {
        return new CType(typedefName, "MemorySegment", typedefName);
    }

    boolean isStruct() {
        return javaType.equals("MemorySegment") && !layout.equals("C_POINTER");
    }

    boolean isVoid() {
        return layout == null;
    }

    /** The Java layout class of the constant, as jextract declares it. */
    String layoutClass() {
        return switch (javaType) {
            case "boolean" -> "ValueLayout.OfBoolean";
            case "byte" -> "ValueLayout.OfByte";
            case "short" -> "ValueLayout.OfShort";
            case "int" -> "ValueLayout.OfInt";
            case "long" -> "ValueLayout.OfLong";
            case "float" -> "ValueLayout.OfFloat";
            case "double" -> "ValueLayout.OfDouble";
            case "MemorySegment" -> isStruct() ? "GroupLayout" : "AddressLayout";
            default -> throw new IllegalStateException("no layout for " + javaType);
        };
    }
}
