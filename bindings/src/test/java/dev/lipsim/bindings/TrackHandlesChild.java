package dev.lipsim.bindings;

/** Run in a child JVM with -Dlipsim.trackHandles=true by {@link OwnershipTest}: leaks one handle on purpose. */
public final class TrackHandlesChild {

    private TrackHandlesChild() {}

    public static void main(String[] args) {
        TensorHandle leaked = leakOne();
        System.out.println("live=" + TensorHandle.liveOrigins().size());
        for (Throwable origin : TensorHandle.liveOrigins()) {
            for (StackTraceElement frame : origin.getStackTrace()) {
                if (frame.getMethodName().equals("leakOne")) {
                    System.out.println("origin=" + frame.getClassName() + "." + frame.getMethodName());
                }
            }
        }
        leaked.close();
        System.out.println("after close=" + TensorHandle.liveOrigins().size());
    }

    private static TensorHandle leakOne() {
        return ShimOps.scalar(1.0);
    }
}
