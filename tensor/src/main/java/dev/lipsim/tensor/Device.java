package dev.lipsim.tensor;

import dev.lipsim.bindings.AbiCodes;
import dev.lipsim.bindings.LibTorch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a tensor lives: the CPU or a CUDA device.
 *
 * @param type the device type
 * @param index the CUDA device index; -1 for the CPU
 */
public record Device(Type type, int index) {

    /** Device types this project supports. */
    public enum Type { CPU, CUDA }

    public static final Device CPU = new Device(Type.CPU, -1);

    private static final Pattern SPELLING = Pattern.compile("(cpu|cuda)(?::(\\d+))?");

    public Device {
        if (type == Type.CPU && index != -1) {
            throw new IllegalArgumentException("the CPU device has no index, got " + index);
        }
        if (type == Type.CUDA && index < 0) {
            throw new IllegalArgumentException("a CUDA device index must be >= 0, got " + index);
        }
    }

    /** CUDA device {@code index}. */
    public static Device cuda(int index) {
        return new Device(Type.CUDA, index);
    }

    /** Parses {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}. */
    public static Device parse(String spelling) {
        Matcher m = SPELLING.matcher(spelling.strip().toLowerCase(java.util.Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("unknown device '" + spelling + "'; use cpu, cuda or cuda:N");
        }
        if (m.group(1).equals("cpu")) {
            if (m.group(2) != null) {
                throw new IllegalArgumentException("unknown device '" + spelling + "'; the CPU has no index");
            }
            return CPU;
        }
        return cuda(m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
    }

    public boolean isCuda() {
        return type == Type.CUDA;
    }

    /** Throws a clear error if this device cannot be used with the loaded libtorch. */
    public Device requireAvailable() {
        if (type == Type.CUDA) {
            var info = LibTorch.load();
            if (!info.cudaAvailable()) {
                throw new IllegalStateException("device " + this + " requested, but CUDA is not available in the libtorch "
                        + "from " + info.origin() + (info.cudaProblem() != null ? " (" + info.cudaProblem() + ")" : "")
                        + "; use a CUDA libtorch (see README: LIBTORCH)");
            }
            if (index >= info.cudaDeviceCount()) {
                throw new IllegalStateException("device " + this + " requested, but there are only "
                        + info.cudaDeviceCount() + " CUDA devices");
            }
        }
        return this;
    }

    int typeCode() {
        return AbiCodes.deviceType(type == Type.CPU ? "cpu" : "cuda");
    }

    /** The device-index argument libtorch expects (0 for the CPU). */
    int indexCode() {
        return type == Type.CPU ? 0 : index;
    }

    static Device of(int typeCode, int index) {
        String name = AbiCodes.deviceTypeName(typeCode);
        return switch (name) {
            case "cpu" -> CPU;
            case "cuda" -> cuda(Math.max(index, 0));
            default -> throw new IllegalStateException("tensor on unsupported device type " + name);
        };
    }

    @Override
    public String toString() {
        return type == Type.CPU ? "cpu" : "cuda:" + index;
    }
}
