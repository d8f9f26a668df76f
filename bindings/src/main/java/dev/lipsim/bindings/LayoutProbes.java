package dev.lipsim.bindings;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Checks, once per JVM, that the C++ layouts {@link UnboxedEntry} assumes are the loaded
 * libtorch's: for each way of passing an argument and of returning results, one call with
 * arguments valid under any reading, whose result is read back through the stable ABI and
 * compared with what the call must give (a permuted shape, a selected value, a result dtype).
 * An op that needs a layout whose check failed takes the boxed call.
 */
final class LayoutProbes {

    private static final Set<Object> FAILED = run();

    private LayoutProbes() {}

    /** The carriers and results whose check failed (empty when every layout holds). */
    static Set<Object> failed() {
        return FAILED;
    }

    private static Set<Object> run() {
        Set<Object> failed = new LinkedHashSet<>();
        int float32 = AbiCodes.dtype("float32");
        int float64 = AbiCodes.dtype("float64");
        int int64 = AbiCodes.dtype("int64");
        // x = [[1, 5, 2], [7, 3, 4]]
        try (TensorHandle x = ShimOps.full(new long[] {2, 3}, 0, float32, AbiCodes.deviceType("cpu"), 0);
                TensorHandle two = ShimOps.scalar(2.5f)) {
            float[] values = {1, 5, 2, 7, 3, 4};
            MemorySegment.copy(values, 0, x.dataPointer().reinterpret(24), ValueLayout.JAVA_FLOAT, 0, 6);

            probe(failed, "aten::mul.Tensor(Tensor self, Tensor other) -> Tensor",
                    c -> c.tensor(x).tensor(two), r -> Arrays.equals(floats(r[0]), new float[] {2.5f, 12.5f, 5, 17.5f, 7.5f, 10}));
            probe(failed, "aten::permute(Tensor(a) self, int[] dims) -> Tensor(a)",
                    c -> c.tensor(x).intList(1, 0), r -> Arrays.equals(r[0].sizes(), new long[] {3, 2})
                            && Arrays.equals(r[0].strides(), new long[] {1, 3}));
            probe(failed, "aten::reshape(Tensor(a) self, SymInt[] shape) -> Tensor(a)",
                    c -> c.tensor(x).intList(3, 2), r -> Arrays.equals(r[0].sizes(), new long[] {3, 2}));
            probe(failed, "aten::select.int(Tensor(a) self, int dim, SymInt index) -> Tensor(a)",
                    c -> c.tensor(x).int64(0).int64(1), r -> Arrays.equals(floats(r[0]), new float[] {7, 3, 4}));
            probe(failed, "aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)",
                    c -> c.tensor(x).int64(1).bool(true), r -> r[0].dtypeCode() == float32 && r[1].dtypeCode() == int64
                            && Arrays.equals(r[0].sizes(), new long[] {2, 1}) && Arrays.equals(floats(r[0]), new float[] {5, 7}));
            probe(failed, "aten::argmax(Tensor self, int? dim=None, bool keepdim=False) -> Tensor",
                    c -> c.tensor(x).int64(1).bool(false), r -> Arrays.equals(r[0].sizes(), new long[] {2}));
            probe(failed, "aten::sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None)"
                    + " -> Tensor", c -> c.tensor(x).intList(1).bool(false).none(),
                    r -> Arrays.equals(floats(r[0]), new float[] {8, 14}));
            probe(failed, "aten::sum(Tensor self, *, ScalarType? dtype=None) -> Tensor",
                    c -> c.tensor(x).scalarType(float64), r -> r[0].dtypeCode() == float64 && ShimOps.itemDouble(r[0]) == 22);
            probe(failed, "aten::clamp.Tensor(Tensor self, Tensor? min=None, Tensor? max=None) -> Tensor",
                    c -> c.tensor(x).tensor(two).none(), r -> Arrays.equals(floats(r[0]), new float[] {2.5f, 5, 2.5f, 7, 3, 4}));
            try (TensorHandle narrowed = ShimOps.narrow(x, 1, 0, 2)) {
                probe(failed, "aten::clone(Tensor self, *, MemoryFormat? memory_format=None) -> Tensor",
                        c -> c.tensor(narrowed).memoryFormat(AbiCodes.memoryFormat("contiguous")),
                        r -> r[0].isContiguous() && Arrays.equals(floats(r[0]), new float[] {1, 5, 7, 3}));
            }
            probe(failed, "aten::split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) -> Tensor(a)[]",
                    c -> c.tensor(x).int64(2).int64(1), r -> r.length == 2 && Arrays.equals(floats(r[1]), new float[] {2, 4}));
        } catch (RuntimeException e) {
            System.getLogger(LayoutProbes.class.getName()).log(System.Logger.Level.WARNING,
                    "unboxed calls disabled: the layout checks could not run", e);
            failed.addAll(List.of(UnboxedEntry.Carrier.values()));
            failed.addAll(List.of(UnboxedEntry.Result.values()));
        }
        return Set.copyOf(failed);
    }

    /**
     * Calls {@code schema}'s entry point with the arguments {@code arguments} adds; when the check
     * on the results fails (or the op cannot be bound), every carrier and result kind it used is
     * marked failed.
     */
    private static void probe(Set<Object> failed, String schema, UnaryOperator<OpCall> arguments,
            Predicate<TensorHandle[]> check) {
        OpSchema parsed = OpSchema.parse(schema);
        UnboxedEntry entry = UnboxedEntry.bind(parsed).entry();
        List<Object> used = UnboxedEntry.layoutsOf(parsed); // marked failed also when the probe's op is missing
        boolean passed = false;
        if (entry != null) {
            TensorHandle[] results = arguments.apply(AtenOp.forProbe(parsed).call()).callThrough(entry);
            try {
                passed = check.test(results);
            } finally {
                for (TensorHandle result : results) {
                    result.close();
                }
            }
        }
        if (!passed) {
            failed.addAll(used);
        }
    }

    /** The elements of a float32 tensor of rank 1 or 2, in index order (any strides). */
    private static float[] floats(TensorHandle tensor) {
        long[] sizes = tensor.sizes();
        long[] strides = tensor.strides();
        long rows = sizes.length == 2 ? sizes[0] : 1;
        long columns = sizes[sizes.length - 1];
        long rowStride = sizes.length == 2 ? strides[0] : 0;
        long columnStride = strides[sizes.length - 1];
        long span = (rows - 1) * rowStride + (columns - 1) * columnStride + 1;
        MemorySegment data = tensor.dataPointer().reinterpret(span * 4);
        float[] values = new float[(int) (rows * columns)];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                values[(int) (r * columns + c)] = data.getAtIndex(ValueLayout.JAVA_FLOAT, r * rowStride + c * columnStride);
            }
        }
        return values;
    }
}
