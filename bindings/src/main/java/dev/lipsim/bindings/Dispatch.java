package dev.lipsim.bindings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which path op calls take: libtorch's boxed dispatcher call for every op, or, where an op has
 * an unboxed entry point and a precondition ({@link AtenOp}), that entry point for calls the
 * precondition admits. {@code -Dlipsim.dispatch=boxed} forces the boxed call everywhere (to
 * rule the unboxed path out when chasing a problem, or to compare the two).
 */
public final class Dispatch {

    /** The system property that chooses the path: {@code unboxed} (the default) or {@code boxed}. */
    public static final String PROPERTY = "lipsim.dispatch";

    /** Whether {@link #PROPERTY} asks for the boxed call everywhere. */
    static final boolean CONFIGURED_BOXED = readProperty();

    private static volatile boolean boxedOnly = CONFIGURED_BOXED;

    private Dispatch() {}

    /**
     * What {@code lipsim info} shows about the call paths.
     *
     * @param mode which path calls take
     * @param unboxedOps the ops with a precondition whose entry point the loaded libtorch has
     * @param unavailable the ops with a precondition but no usable entry point, with the reason
     * @param failedLayoutChecks the C++ layouts that did not match (empty when all hold)
     */
    public record Report(String mode, List<String> unboxedOps, Map<String, String> unavailable,
            List<String> failedLayoutChecks) {}

    public static Report report() {
        LibTorch.load();
        List<String> unboxed = new ArrayList<>();
        Map<String, String> unavailable = new TreeMap<>();
        for (String schema : UnboxedRules.schemas()) {
            AtenOp op = AtenOp.of(schema);
            if (op.unboxed != null) {
                unboxed.add(op.name());
            } else {
                unavailable.put(op.name(), op.boxedReason);
            }
        }
        List<String> failed = LayoutProbes.failed().stream().map(Object::toString).sorted().toList();
        String mode = boxedOnly ? "boxed (forced by -D" + PROPERTY + "=boxed)" : "unboxed where admitted, boxed otherwise";
        return new Report(mode, List.copyOf(unboxed), unavailable, failed);
    }

    static boolean unboxedEnabled() {
        return !boxedOnly;
    }

    /** For tests that compare both paths in one JVM. */
    static void forceBoxed(boolean boxed) {
        boxedOnly = boxed;
    }

    private static boolean readProperty() {
        String value = System.getProperty(PROPERTY, "unboxed");
        return switch (value) {
            case "unboxed" -> false;
            case "boxed" -> true;
            default -> throw new IllegalArgumentException("-D" + PROPERTY + " must be 'unboxed' or 'boxed', got '" + value + "'");
        };
    }
}
