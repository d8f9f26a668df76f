package dev.lipsim.bindings;

import dev.lipsim.bindings.ffm.TorchC;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The dtype, device-type and memory-format codes of the loaded libtorch, read from its getter
 * functions at start-up: the values are not part of libtorch's ABI contract.
 */
public final class AbiCodes {

    private static final Map<String, Integer> DTYPES;
    private static final Map<String, Integer> DEVICE_TYPES;
    private static final Map<String, Integer> MEMORY_FORMATS;
    private static final int LAYOUT_STRIDED;

    static {
        LibTorch.load();
        DTYPES = read(Map.of(
                "float32", TorchC::aoti_torch_dtype_float32,
                "float64", TorchC::aoti_torch_dtype_float64,
                "bfloat16", TorchC::aoti_torch_dtype_bfloat16,
                "float16", TorchC::aoti_torch_dtype_float16,
                "int64", TorchC::aoti_torch_dtype_int64,
                "int32", TorchC::aoti_torch_dtype_int32,
                "int16", TorchC::aoti_torch_dtype_int16,
                "int8", TorchC::aoti_torch_dtype_int8,
                "uint8", TorchC::aoti_torch_dtype_uint8,
                "bool", TorchC::aoti_torch_dtype_bool));
        DEVICE_TYPES = read(Map.of(
                "cpu", TorchC::aoti_torch_device_type_cpu,
                "cuda", TorchC::aoti_torch_device_type_cuda,
                "meta", TorchC::aoti_torch_device_type_meta));
        MEMORY_FORMATS = read(Map.of(
                "contiguous", TorchC::aoti_torch_memory_format_contiguous_format,
                "channels_last", TorchC::aoti_torch_memory_format_channels_last,
                "preserve", TorchC::aoti_torch_memory_format_preserve_format));
        LAYOUT_STRIDED = TorchC.aoti_torch_layout_strided();
    }

    private AbiCodes() {}

    private static Map<String, Integer> read(Map<String, IntSupplier> getters) {
        Map<String, Integer> codes = new LinkedHashMap<>();
        getters.forEach((name, getter) -> codes.put(name, getter.getAsInt()));
        return Map.copyOf(codes);
    }

    /** The code of a dtype by its PyTorch name ({@code float32}, {@code int64}, ...). */
    public static int dtype(String name) {
        return lookup(DTYPES, name, "dtype");
    }

    /** The PyTorch name of a dtype code, or {@code dtype(<code>)} for one this project does not name. */
    public static String dtypeName(int code) {
        return nameOf(DTYPES, code, "dtype");
    }

    /** The code of a device type ({@code cpu}, {@code cuda}, {@code meta}). */
    public static int deviceType(String name) {
        return lookup(DEVICE_TYPES, name, "device type");
    }

    /** The name of a device-type code. */
    public static String deviceTypeName(int code) {
        return nameOf(DEVICE_TYPES, code, "device");
    }

    /** The code of a memory format ({@code contiguous}, {@code channels_last}, {@code preserve}). */
    public static int memoryFormat(String name) {
        return lookup(MEMORY_FORMATS, name, "memory format");
    }

    /** The code of the strided layout, the only layout this project uses. */
    public static int layoutStrided() {
        return LAYOUT_STRIDED;
    }

    /** Bytes per element of a dtype code. */
    public static long elementSize(int dtypeCode) {
        return TorchC.aoti_torch_dtype_element_size(dtypeCode);
    }

    private static int lookup(Map<String, Integer> codes, String name, String kind) {
        Integer code = codes.get(name);
        if (code == null) {
            throw new IllegalArgumentException("unknown " + kind + " '" + name + "'; known: " + codes.keySet());
        }
        return code;
    }

    private static String nameOf(Map<String, Integer> codes, int code, String kind) {
        for (var entry : codes.entrySet()) {
            if (entry.getValue() == code) {
                return entry.getKey();
            }
        }
        return kind + "(" + code + ")";
    }
}
