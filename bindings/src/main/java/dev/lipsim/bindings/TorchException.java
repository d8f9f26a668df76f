package dev.lipsim.bindings;

/**
 * A libtorch call failed. Names the operation (an ATen op and overload, or a C function), a
 * summary of its arguments (shapes, dtypes, devices) and, when it could be captured, libtorch's
 * own message. libtorch stays usable: the next call works as usual.
 */
public final class TorchException extends RuntimeException {

    private final String operation;
    private final String arguments;
    private final String nativeMessage;

    TorchException(String operation, String arguments, String nativeMessage) {
        super(describe(operation, arguments, nativeMessage));
        this.operation = operation;
        this.arguments = arguments;
        this.nativeMessage = nativeMessage;
    }

    /** The failed operation: {@code aten::name.overload} or the C function's name. */
    public String operation() {
        return operation;
    }

    /** A summary of the arguments, e.g. {@code (Tensor[2, 3] float32 cpu, int 1)}; may be empty. */
    public String arguments() {
        return arguments;
    }

    /** libtorch's message without its C++ backtrace, or null if it could not be captured. */
    public String nativeMessage() {
        return nativeMessage;
    }

    private static String describe(String operation, String arguments, String nativeMessage) {
        String reason = nativeMessage != null
                ? ": " + nativeMessage
                : " (libtorch gave no message that can be attributed to this call; any it printed is on stderr)";
        return operation + " failed" + reason + (arguments.isEmpty() ? "" : "; arguments: " + arguments);
    }
}
