package dev.lipsim.tensor.io;

import dev.lipsim.tensor.DType;

/** The dtype codes of the safetensors format. */
final class SafeTensorsDTypes {

    private SafeTensorsDTypes() {}

    static String code(DType dtype) {
        return switch (dtype) {
            case FLOAT64 -> "F64";
            case FLOAT32 -> "F32";
            case FLOAT16 -> "F16";
            case BFLOAT16 -> "BF16";
            case INT64 -> "I64";
            case INT32 -> "I32";
            case INT16 -> "I16";
            case INT8 -> "I8";
            case UINT8 -> "U8";
            case BOOL -> "BOOL";
        };
    }

    /** The dtype of a code, or null if this project does not support it. */
    static DType fromCode(String code) {
        for (DType dtype : DType.values()) {
            if (code(dtype).equals(code)) {
                return dtype;
            }
        }
        return null;
    }
}
