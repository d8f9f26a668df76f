package dev.lipsim.train;

/** The loss or the gradients stopped being finite; the run stopped without saving the broken state. */
public final class TrainingDiverged extends RuntimeException {

    TrainingDiverged(String message) {
        super(message);
    }
}
