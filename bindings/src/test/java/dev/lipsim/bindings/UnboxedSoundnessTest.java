package dev.lipsim.bindings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import dev.lipsim.bindings.SchemaType.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongBinaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.quicktheories.core.Gen;
import org.quicktheories.impl.Constraint;

/**
 * The unboxed path's preconditions are sound: for random arguments of every op that has one
 * (shapes that broadcast or not, dimensions and indices in and out of range, every dtype the
 * rules name and some they refuse, strided views, tensors over the size limit), whenever the
 * precondition admits a call, the boxed call (which catches libtorch's errors) succeeds, and
 * the unboxed call gives the same shapes, strides, dtypes and values bit for bit. Calls the
 * precondition refuses take the boxed path and either succeed or report a TorchException.
 * Inputs are checked through the boxed call first, so a wrong precondition fails this test
 * instead of ending the JVM.
 */
class UnboxedSoundnessTest {

    private static final String[] DTYPES = {"float32", "float64", "int64", "int32", "uint8", "bool", "float16"};
    /** The sample's common dtype: floating ones weighted up, as the matrix ops need them. */
    private static final String[] SAMPLE_DTYPES = {"float32", "float32", "float64", "float64", "int64", "uint8", "bool"};
    private static final String[] RESULT_DTYPES = {"float32", "float64", "int64", "bool"};

    static Stream<String> schemas() {
        return UnboxedRules.schemas().stream();
    }

    @AfterEach
    void restoreTheConfiguredPath() {
        Dispatch.forceBoxed(Dispatch.CONFIGURED_BOXED);
    }

    @ParameterizedTest
    @MethodSource("schemas")
    void admittedCallsCannotFailAndMatchTheBoxedCall(String schema) {
        AtenOp op = AtenOp.of(schema);
        int[] admittedAndRefused = new int[2];
        qt().withFixedSeed(20261130L).withExamples(200).withShrinkCycles(200).forAll(sample(op.schema)).checkAssert(sample -> {
            boolean admitted = check(op, sample);
            admittedAndRefused[admitted ? 0 : 1]++;
        });
        assertTrue(admittedAndRefused[0] >= 3, schema + " admitted only " + admittedAndRefused[0] + " samples");
        assertTrue(admittedAndRefused[1] >= 1, schema + " refused only " + admittedAndRefused[1] + " samples");
    }

    /** Runs one sample both ways; returns whether the precondition admitted it. */
    private static boolean check(AtenOp op, List<Object> sample) {
        List<TensorHandle> inputs = new ArrayList<>();
        try {
            Dispatch.forceBoxed(true);
            OpCall probe = build(op, sample, inputs);
            boolean admitted = probe.admitsUnboxed();
            TensorHandle[] boxed = null;
            TorchException failure = null;
            try {
                boxed = finish(op, probe);
            } catch (TorchException e) {
                failure = e;
            }
            if (!admitted) {
                closeAll(boxed);
                return false;
            }
            assertNull(failure, () -> "admitted, yet the boxed call failed: " + sample);
            Dispatch.forceBoxed(false);
            long before = op.unboxedCalls;
            TensorHandle[] unboxed = finish(op, build(op, sample, inputs));
            try {
                assertEquals(before + 1, op.unboxedCalls, "took the unboxed path");
                assertEquals(boxed.length, unboxed.length);
                for (int i = 0; i < boxed.length; i++) {
                    assertEquals(boxed[i].dtypeCode(), unboxed[i].dtypeCode(), "dtype of result " + i);
                    assertArrayEquals(boxed[i].sizes(), unboxed[i].sizes(), "sizes of result " + i);
                    assertArrayEquals(boxed[i].strides(), unboxed[i].strides(), "strides of result " + i);
                    assertArrayEquals(TestTensors.read(boxed[i]), TestTensors.read(unboxed[i]), "values of result " + i);
                }
            } finally {
                closeAll(boxed);
                closeAll(unboxed);
            }
            return true;
        } finally {
            inputs.forEach(TensorHandle::close);
        }
    }

    private static TensorHandle[] finish(AtenOp op, OpCall call) {
        return op.schema.returns().size() == 1 && op.schema.returns().getFirst().kind() == Kind.TENSOR
                ? new TensorHandle[] {call.callTensor()}
                : call.callTensors();
    }

    private static void closeAll(TensorHandle[] tensors) {
        if (tensors != null) {
            for (TensorHandle tensor : tensors) {
                tensor.close();
            }
        }
    }

    // ---- Samples: one value per schema argument, as plain data ----

    /** A tensor to make: dtype, shape, values seed, and whether it is a strided slice of a larger one. */
    record TensorSpec(String dtype, long[] shape, long seed, boolean sliced) {
        @Override
        public String toString() {
            return dtype + java.util.Arrays.toString(shape) + (sliced ? " sliced" : "");
        }
    }

    record Ints(long[] values) {
        @Override
        public String toString() {
            return java.util.Arrays.toString(values);
        }
    }

    record DtypeArg(String name) {}

    /** Over the size limit of allocating unboxed calls. */
    private static final long[] BIG = {257, 256};

    /** Arguments for {@code schema}, with shapes often sharing a base so that they broadcast or match. */
    private static Gen<List<Object>> sample(OpSchema schema) {
        return in -> {
            LongBinaryOperator draw = (low, high) -> in.next(Constraint.between(low, high));
            long[] base = randomShape(draw);
            String dtype = SAMPLE_DTYPES[(int) draw.applyAsLong(0, SAMPLE_DTYPES.length - 1)];
            List<Object> values = new ArrayList<>();
            long[] firstShape = null;
            for (OpSchema.Argument argument : schema.arguments()) {
                SchemaType type = argument.type();
                boolean none = type.optional() && draw.applyAsLong(0, 3) == 0;
                Object value = none ? null : switch (type.kind()) {
                    case TENSOR -> tensor(draw, base, dtype);
                    case INT -> draw.applyAsLong(-4, 4);
                    case BOOL -> draw.applyAsLong(0, 1) == 1;
                    case INT_LIST -> new Ints(intList(draw, firstShape));
                    case SCALAR_TYPE -> new DtypeArg(RESULT_DTYPES[(int) draw.applyAsLong(0, RESULT_DTYPES.length - 1)]);
                    case MEMORY_FORMAT -> draw.applyAsLong(0, 1) == 0 ? "contiguous" : "channels_last";
                    default -> throw new IllegalArgumentException("no generator for " + type);
                };
                if (firstShape == null && value instanceof TensorSpec spec) {
                    firstShape = spec.shape();
                }
                values.add(value);
            }
            return values;
        };
    }

    /** Rank 0 to 3 (2 most often), sizes mostly 2 (so that matrices are often square), some 0, 1 and 3. */
    private static long[] randomShape(LongBinaryOperator draw) {
        long[] shape = new long[(int) new long[] {0, 1, 2, 2, 3}[(int) draw.applyAsLong(0, 4)]];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = new long[] {0, 1, 2, 2, 2, 3}[(int) draw.applyAsLong(0, 5)];
        }
        return shape;
    }

    /** Mostly of the sample's dtype and shape, or that shape changed (last two swapped, fewer dims, a 1). */
    private static TensorSpec tensor(LongBinaryOperator draw, long[] base, String sampleDtype) {
        String dtype = draw.applyAsLong(0, 4) > 0 ? sampleDtype : DTYPES[(int) draw.applyAsLong(0, DTYPES.length - 1)];
        long[] shape = switch ((int) draw.applyAsLong(0, 9)) {
            case 0 -> randomShape(draw);
            case 1 -> BIG;
            case 2 -> base.length == 0 ? base : java.util.Arrays.copyOfRange(base, 1, base.length); // fewer leading dims
            case 3, 5 -> {
                long[] swapped = base.clone();
                if (base.length >= 2) {
                    swapped[base.length - 1] = base[base.length - 2];
                    swapped[base.length - 2] = base[base.length - 1];
                }
                yield swapped;
            }
            case 4 -> {
                long[] withOne = base.clone();
                if (withOne.length > 0) {
                    withOne[(int) draw.applyAsLong(0, withOne.length - 1)] = 1;
                }
                yield withOne;
            }
            default -> base;
        };
        return new TensorSpec(dtype, shape, draw.applyAsLong(0, 1000), draw.applyAsLong(0, 4) == 0);
    }

    /** Permutations and rearrangements of the first tensor's shape (with a -1 at times), or random lists. */
    private static long[] intList(LongBinaryOperator draw, long[] shape) {
        int strategy = (int) draw.applyAsLong(0, 3);
        if (shape == null || strategy == 3) {
            long[] values = new long[(int) draw.applyAsLong(0, 4)];
            for (int i = 0; i < values.length; i++) {
                values[i] = draw.applyAsLong(-2, 4);
            }
            return values;
        }
        long[] values = strategy == 0 ? new long[shape.length] : shape.clone();
        for (int i = 0; i < values.length; i++) {
            if (strategy == 0) {
                values[i] = i; // dims 0..n-1, shuffled below
            }
            int j = (int) draw.applyAsLong(0, i);
            long swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
        if (strategy == 2 && values.length > 0) {
            values[(int) draw.applyAsLong(0, values.length - 1)] = -1;
        }
        return values;
    }

    // ---- Making the call ----

    private static OpCall build(AtenOp op, List<Object> sample, List<TensorHandle> inputs) {
        List<TensorHandle> made = new ArrayList<>();
        for (Object value : sample) {
            if (value instanceof TensorSpec spec) {
                made.add(make(spec));
            }
        }
        inputs.addAll(made);
        OpCall call = op.call();
        int tensor = 0;
        for (int i = 0; i < sample.size(); i++) {
            Object value = sample.get(i);
            switch (value) {
                case null -> call.none();
                case TensorSpec spec -> call.tensor(made.get(tensor++));
                case Long number -> call.int64(number);
                case Boolean flag -> call.bool(flag);
                case Ints list -> call.intList(list.values());
                case DtypeArg dtype -> call.scalarType(AbiCodes.dtype(dtype.name()));
                case String format -> call.memoryFormat(AbiCodes.memoryFormat(format));
                default -> throw new IllegalArgumentException(value.toString());
            }
        }
        return call;
    }

    private static TensorHandle make(TensorSpec spec) {
        if (spec.shape() == BIG) {
            return ShimOps.full(BIG, 1, AbiCodes.dtype(spec.dtype()), AbiCodes.deviceType("cpu"), 0);
        }
        long[] shape = spec.shape().clone();
        if (spec.sliced() && shape.length > 0) {
            shape[shape.length - 1] = shape[shape.length - 1] * 2 + 1;
        }
        long numel = 1;
        for (long size : shape) {
            numel *= size;
        }
        double[] values = new double[(int) numel];
        java.util.Random random = new java.util.Random(spec.seed());
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextInt(7) - 3;
        }
        try (TensorHandle doubles = TestTensors.doubles(values, shape)) {
            TensorHandle converted = TestTensors.TO_DTYPE.call().tensor(doubles).scalarType(AbiCodes.dtype(spec.dtype()))
                    .bool(false).bool(true).none().callTensor();
            if (!spec.sliced() || shape.length == 0) {
                return converted;
            }
            try (converted) {
                return ShimOps.narrow(converted, shape.length - 1, 1, spec.shape()[shape.length - 1]);
            }
        }
    }
}
