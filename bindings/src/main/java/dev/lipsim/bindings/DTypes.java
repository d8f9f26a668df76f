package dev.lipsim.bindings;

/** Sets of dtypes as bit masks over their ABI codes, for the unboxed calls' preconditions. */
final class DTypes {

    static final long FLOATING = mask("float32", "float64");
    static final long REAL = FLOATING | mask("int64", "int32", "int16", "int8", "uint8");
    static final long ALL = REAL | mask("bool");
    static final long BOOL = mask("bool");

    private DTypes() {}

    private static long mask(String... names) {
        long mask = 0;
        for (String name : names) {
            int code = AbiCodes.dtype(name);
            if (code < 0 || code >= 64) {
                throw new NativeLoadException("unexpected dtype code " + code + " for " + name);
            }
            mask |= 1L << code;
        }
        return mask;
    }
}
