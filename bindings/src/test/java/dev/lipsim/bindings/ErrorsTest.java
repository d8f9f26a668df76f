package dev.lipsim.bindings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Failed calls become Java exceptions that say what failed; libtorch and the JVM carry on. */
class ErrorsTest {

    private static final AtenOp MM = AtenOp.of("aten::mm(Tensor self, Tensor mat2) -> Tensor");
    private static final AtenOp NO_SUCH_OP = AtenOp.of("aten::no_such_op(Tensor self) -> Tensor");

    @Test
    void unknownOpIsReportedAndItsArgumentsAreFreed() {
        try (TensorHandle t = TestTensors.floats(new float[] {1}, 1)) {
            long live = TensorHandle.liveCount();
            TorchException error = assertThrows(TorchException.class, () -> NO_SUCH_OP.call().tensor(t).callTensor());
            assertEquals("aten::no_such_op", error.operation());
            assertTrue(error.nativeMessage().contains("Could not find schema for aten::no_such_op"), error.getMessage());
            assertTrue(error.getMessage().contains("self=Tensor[1] float32 cpu"), error.getMessage());
            assertEquals(live, TensorHandle.liveCount());
            assertNextCallWorks();
        }
    }

    @Test
    void shapeMismatchNamesShapes() {
        try (TensorHandle a = TestTensors.floats(new float[6], 2, 3); TensorHandle b = TestTensors.floats(new float[20], 4, 5)) {
            TorchException error = assertThrows(TorchException.class, () -> MM.call().tensor(a).tensor(b).callTensor());
            assertEquals("aten::mm", error.operation());
            assertEquals("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", error.nativeMessage());
            assertEquals("(self=Tensor[2, 3] float32 cpu, mat2=Tensor[4, 5] float32 cpu)", error.arguments());
            assertTrue(error.getMessage().startsWith("aten::mm failed: mat1 and mat2 shapes"), error.getMessage());
            assertNextCallWorks();
        }
    }

    @Test
    void wrongDtypeNamesDtypes() {
        try (TensorHandle a = TestTensors.floats(new float[4], 2, 2); TensorHandle b = TestTensors.doubles(new double[4], 2, 2)) {
            TorchException error = assertThrows(TorchException.class, () -> MM.call().tensor(a).tensor(b).callTensor());
            assertTrue(error.nativeMessage().contains("dtype"), error.getMessage());
            assertTrue(error.getMessage().contains("mat2=Tensor[2, 2] float64 cpu"), error.getMessage());
            assertNextCallWorks();
        }
    }

    @Test
    void cFunctionFailureNamesTheFunction() {
        TorchException error = assertThrows(TorchException.class,
                () -> ShimOps.full(new long[] {2}, 1.0, 12345, AbiCodes.deviceType("cpu"), 0));
        assertEquals("aoti_torch_aten_full", error.operation());
        assertNextCallWorks();
    }

    @Test
    void argumentsAreCheckedAgainstTheSchemaBeforeAnythingIsCalled() {
        try (TensorHandle t = TestTensors.floats(new float[] {1}, 1)) {
            long live = TensorHandle.liveCount();
            var wrongKind = assertThrows(IllegalArgumentException.class, () -> MM.call().tensor(t).int64(3));
            assertEquals("aten::mm argument 1 'mat2' is Tensor, not int", wrongKind.getMessage());
            var missing = assertThrows(IllegalArgumentException.class, () -> MM.call().tensor(t).callTensor());
            assertTrue(missing.getMessage().contains("missing mat2"), missing.getMessage());
            var tooMany = assertThrows(IllegalArgumentException.class, () -> MM.call().tensor(t).tensor(t).tensor(t));
            assertTrue(tooMany.getMessage().contains("takes only 2 arguments"), tooMany.getMessage());
            var notOptional = assertThrows(IllegalArgumentException.class, () -> MM.call().none());
            assertTrue(notOptional.getMessage().contains("not optional"), notOptional.getMessage());
            var wrongReturn = assertThrows(IllegalStateException.class, () -> MM.call().tensor(t).tensor(t).callInt());
            assertTrue(wrongReturn.getMessage().contains("returns [Tensor], not int"), wrongReturn.getMessage());
            assertEquals(live, TensorHandle.liveCount(), "handles made for abandoned calls are freed");
        }
        var scalar = assertThrows(IllegalArgumentException.class,
                () -> AtenOp.of("aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor"));
        assertTrue(scalar.getMessage().contains("Scalar alpha"), scalar.getMessage());
    }

    @Test
    void closedTensorsAreRefused() {
        TensorHandle t = TestTensors.floats(new float[] {1}, 1);
        t.close();
        t.close();
        assertTrue(t.isClosed());
        var error = assertThrows(IllegalStateException.class, () -> MM.call().tensor(t));
        assertEquals("the tensor handle is closed", error.getMessage());
        assertThrows(IllegalStateException.class, t::sizes);
        assertNextCallWorks();
    }

    @Test
    void anAbandonedHalfBuiltCallKeepsNoReferenceToItsTensors() throws java.io.IOException {
        long bytes = 256L << 20;
        TensorHandle big = ShimOps.full(new long[] {bytes / 4}, 1.0, AbiCodes.dtype("float32"), AbiCodes.deviceType("cpu"), 0);
        for (int i = 0; i < 3; i++) {
            // Computing the second argument fails after the first was added: the call is never finished.
            assertThrows(IllegalStateException.class, () -> MM.call().tensor(big).tensor(failingArgument()));
        }
        long before = OwnershipTest.anonymousResidentBytes();
        big.close();
        long freed = before - OwnershipTest.anonymousResidentBytes();
        assertTrue(freed > bytes / 2, "closing the last handle frees the tensor; freed " + freed + " bytes");
        assertNextCallWorks();
    }

    private static TensorHandle failingArgument() {
        throw new IllegalStateException("computing this argument failed");
    }

    static void assertNextCallWorks() {
        try (TensorHandle a = TestTensors.floats(new float[] {2}, 1, 1);
                TensorHandle b = TestTensors.floats(new float[] {3}, 1, 1);
                TensorHandle c = MM.call().tensor(a).tensor(b).callTensor()) {
            assertArrayEquals(new double[] {6}, TestTensors.read(c));
        }
    }
}
