package dev.lipsim.tensor;

import dev.lipsim.bindings.AbiCodes;

/** Element types, named as in PyTorch. Codes are those of the loaded libtorch. */
public enum DType {
    FLOAT32("float32", true),
    FLOAT64("float64", true),
    BFLOAT16("bfloat16", true),
    FLOAT16("float16", true),
    INT64("int64", false),
    INT32("int32", false),
    INT16("int16", false),
    INT8("int8", false),
    UINT8("uint8", false),
    BOOL("bool", false);

    private final String torchName;
    private final boolean floatingPoint;
    private int code = -1;

    DType(String torchName, boolean floatingPoint) {
        this.torchName = torchName;
        this.floatingPoint = floatingPoint;
    }

    /** The libtorch code (read from libtorch on first use). */
    public int code() {
        int value = code;
        if (value < 0) {
            value = AbiCodes.dtype(torchName);
            code = value;
        }
        return value;
    }

    /** Bytes per element. */
    public int byteSize() {
        return switch (this) {
            case FLOAT64, INT64 -> 8;
            case FLOAT32, INT32 -> 4;
            case BFLOAT16, FLOAT16, INT16 -> 2;
            case INT8, UINT8, BOOL -> 1;
        };
    }

    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /** The PyTorch name, e.g. {@code float32}. */
    public String torchName() {
        return torchName;
    }

    /** The dtype with this libtorch code. */
    public static DType ofCode(int code) {
        for (DType type : values()) {
            if (type.code() == code) {
                return type;
            }
        }
        throw new IllegalArgumentException("libtorch dtype " + AbiCodes.dtypeName(code) + " is not supported here");
    }

    /** Parses a PyTorch dtype name ({@code float32}, {@code int64}, ...), also accepting {@code float}, {@code double}, {@code long}, {@code int}. */
    public static DType parse(String name) {
        String normal = switch (name.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "float" -> "float32";
            case "double" -> "float64";
            case "half" -> "float16";
            case "long" -> "int64";
            case "int" -> "int32";
            default -> name.strip().toLowerCase(java.util.Locale.ROOT);
        };
        for (DType type : values()) {
            if (type.torchName.equals(normal)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + name + "'");
    }

    @Override
    public String toString() {
        return torchName;
    }
}
