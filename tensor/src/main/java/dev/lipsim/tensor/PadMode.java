package dev.lipsim.tensor;

/** How {@link Tensor#pad} fills the border. */
public enum PadMode {
    /** A constant value. */
    CONSTANT("constant"),
    /** The mirror image, not repeating the edge. */
    REFLECT("reflect"),
    /** The edge value. */
    REPLICATE("replicate"),
    /** Wrap-around. */
    CIRCULAR("circular");

    private final String torchName;

    PadMode(String torchName) {
        this.torchName = torchName;
    }

    String torchName() {
        return torchName;
    }
}
