package dev.lipsim.bindings;

import dev.lipsim.bindings.ffm.TorchC;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;

/** Run in a child JVM by {@link StderrCaptureTest}: writes to stderr around two libtorch failures. */
public final class StderrCaptureChild {

    private StderrCaptureChild() {}

    public static void main(String[] args) {
        AtenOp mm = AtenOp.of("aten::mm(Tensor self, Tensor mat2) -> Tensor");
        System.err.println("before [1, 2]");
        System.err.print("partial line, [bracketed part ");
        System.err.flush();
        try (TensorHandle a = TestTensors.floats(new float[2], 1, 2); TensorHandle b = TestTensors.floats(new float[3], 3, 1)) {
            mm.call().tensor(a).tensor(b).callTensor().close();
        } catch (TorchException e) {
            System.out.println("claimed: " + e.nativeMessage());
        }
        System.err.println("then the rest");
        // A failure nobody claims: its block must still reach stderr.
        try (TensorHandle a = TestTensors.floats(new float[5], 1, 5); TensorHandle b = TestTensors.floats(new float[6], 6, 1);
                Arena arena = Arena.ofConfined()) {
            var stack = arena.allocate(ValueLayout.JAVA_LONG, 2);
            stack.setAtIndex(ValueLayout.JAVA_LONG, 0, a.newRawReference().address());
            stack.setAtIndex(ValueLayout.JAVA_LONG, 1, b.newRawReference().address());
            int rc = TorchC.torch_call_dispatcher(arena.allocateFrom("aten::mm"), arena.allocateFrom(""), stack,
                    AtenOp.EXTENSION_BUILD_VERSION);
            if (rc == 0) {
                throw new AssertionError("expected a failure");
            }
        }
        System.err.println("after the failures");
    }
}
