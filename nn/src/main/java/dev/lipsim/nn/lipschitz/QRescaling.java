package dev.lipsim.nn.lipschitz;

/** How an SLL convolution uses its {@code q} parameters. */
public enum QRescaling {
    /**
     * As the LipSim reference implementation: both exponentials scale the same axis and cancel,
     * so {@code q} has no effect (but is stored). Needed to reproduce LipSim checkpoints.
     */
    REFERENCE,
    /** As the SLL paper: {@code T_i = sum_j exp(-q_i) |K K^T|_ij exp(q_j)}. */
    SLL
}
