package dev.lipsim.bindings;

/** Checks the {@code AOTITorchError} every C ABI function returns, in one place. */
final class Status {

    private Status() {}

    /** Throws a {@link TorchException} naming {@code function} unless {@code rc} is success. */
    static void check(int rc, String function) {
        if (rc != 0) {
            throw new TorchException(function, "", ErrorMessages.forLastFailure());
        }
    }
}
