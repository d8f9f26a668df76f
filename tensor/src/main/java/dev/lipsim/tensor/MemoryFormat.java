package dev.lipsim.tensor;

import dev.lipsim.bindings.AbiCodes;

/** Memory layouts of 4-d tensors: row-major (NCHW) or channels-last (NHWC). */
public enum MemoryFormat {
    CONTIGUOUS("contiguous"),
    CHANNELS_LAST("channels_last"),
    PRESERVE("preserve");

    private final String abiName;

    MemoryFormat(String abiName) {
        this.abiName = abiName;
    }

    int code() {
        return AbiCodes.memoryFormat(abiName);
    }
}
