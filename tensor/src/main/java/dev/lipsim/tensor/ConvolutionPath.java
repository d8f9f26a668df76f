package dev.lipsim.tensor;

/** How this JVM computes floating-point convolutions on the CPU ({@link CpuConvolutions}). */
public enum ConvolutionPath {
    /** libtorch's choice of kernel in the caller's layout: the self-check found both layouts correct. */
    CALLER_LAYOUT("caller-layout"),
    /**
     * Computed channels-last and returned in the caller's layout: the NCHW kernels were wrong on
     * this CPU and the channels-last ones right (oneDNN 3.7 on AVX-512 CPUs, tensor/README.md).
     */
    CHANNELS_LAST("channels-last"),
    /** oneDNN switched off for the whole process: its kernels were wrong in both layouts. */
    WITHOUT_ONEDNN("without-onednn");

    private final String label;

    ConvolutionPath(String label) {
        this.label = label;
    }

    /** The name used in reports and in {@code -Dlipsim.cpuConvolutions}. */
    public String label() {
        return label;
    }

    static ConvolutionPath ofLabel(String label) {
        for (ConvolutionPath path : values()) {
            if (path.label.equals(label)) {
                return path;
            }
        }
        throw new IllegalArgumentException("-Dlipsim.cpuConvolutions=" + label + " is not a CPU convolution path; "
                + "expected auto, caller-layout, channels-last or without-onednn");
    }
}
