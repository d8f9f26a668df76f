package dev.lipsim.bindings;

/**
 * The type of one argument or return in an ATen schema, as far as the dispatcher's stable
 * calling convention cares.
 *
 * @param kind the value kind
 * @param optional whether it is {@code T?} (None allowed)
 * @param spelling the type as written in the schema, for messages
 */
record SchemaType(Kind kind, boolean optional, String spelling) {

    /** Value kinds; the last two exist in schemas but cannot be passed through the 2.10 C ABI. */
    enum Kind {
        TENSOR, INT, FLOAT, BOOL, SCALAR_TYPE, LAYOUT, MEMORY_FORMAT, DEVICE, STRING,
        INT_LIST, FLOAT_LIST, BOOL_LIST, TENSOR_LIST, OPTIONAL_TENSOR_LIST,
        SCALAR, UNSUPPORTED
    }

    /** Parses a schema type such as {@code Tensor(a!)}, {@code SymInt[2]}, {@code ScalarType?}, {@code Tensor?[]}. */
    static SchemaType parse(String spelling) {
        String type = spelling.replaceAll("\\([^)]*\\)", "").replace(" ", "");
        boolean optional = type.endsWith("?");
        if (optional) {
            type = type.substring(0, type.length() - 1);
        }
        return new SchemaType(kindOf(type), optional, spelling.strip());
    }

    private static Kind kindOf(String type) {
        if (type.equals("Tensor?[]")) {
            return Kind.OPTIONAL_TENSOR_LIST;
        }
        String element = type.replaceAll("\\[\\d*]$", "");
        boolean list = !element.equals(type);
        if (list) {
            return switch (element) {
                case "int", "SymInt" -> Kind.INT_LIST;
                case "float" -> Kind.FLOAT_LIST;
                case "bool" -> Kind.BOOL_LIST;
                case "Tensor" -> Kind.TENSOR_LIST;
                default -> Kind.UNSUPPORTED;
            };
        }
        return switch (type) {
            case "Tensor" -> Kind.TENSOR;
            case "int", "SymInt" -> Kind.INT;
            case "float" -> Kind.FLOAT;
            case "bool" -> Kind.BOOL;
            case "ScalarType" -> Kind.SCALAR_TYPE;
            case "Layout" -> Kind.LAYOUT;
            case "MemoryFormat" -> Kind.MEMORY_FORMAT;
            case "Device" -> Kind.DEVICE;
            case "str" -> Kind.STRING;
            case "Scalar" -> Kind.SCALAR;
            default -> Kind.UNSUPPORTED;
        };
    }

    @Override
    public String toString() {
        return spelling;
    }
}
