package dev.lipsim.bindings;

/**
 * libtorch could not be found or loaded. The message says what was missing and every place
 * that was searched, and how to point the project at another libtorch.
 */
public final class NativeLoadException extends RuntimeException {

    NativeLoadException(String message) {
        super(message);
    }

    NativeLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
