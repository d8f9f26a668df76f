package dev.lipsim.bindings;

import static dev.lipsim.bindings.Preconditions.alongDim;
import static dev.lipsim.bindings.Preconditions.always;
import static dev.lipsim.bindings.Preconditions.dimsInRange;
import static dev.lipsim.bindings.Preconditions.fullReduction;
import static dev.lipsim.bindings.Preconditions.pointwise;
import static dev.lipsim.bindings.Preconditions.unary;

import dev.lipsim.bindings.Preconditions.Precondition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ops that may take the unboxed path, each with the precondition under which its kernel
 * cannot throw. An op is matched by its whole schema, so a declaration that differs from the
 * one here (another overload, a mistyped argument) keeps the boxed call. Ops not listed, in-place
 * ops among them (autograd refuses some of those by state the caller cannot see), always take
 * the boxed call.
 */
final class UnboxedRules {

    private static final Map<String, Precondition> RULES = new HashMap<>();
    private static final List<String> SCHEMAS = new ArrayList<>();

    static {
        long all = DTypes.ALL;
        long real = DTypes.REAL;
        long floating = DTypes.FLOATING;
        for (String op : new String[] {"mul.Tensor", "div.Tensor", "eq.Tensor", "ne.Tensor", "lt.Tensor", "le.Tensor",
                "gt.Tensor", "ge.Tensor", "logical_and", "logical_or"}) {
            rule("aten::" + op + "(Tensor self, Tensor other) -> Tensor", pointwise(2, all));
        }
        rule("aten::maximum(Tensor self, Tensor other) -> Tensor", pointwise(2, real));
        rule("aten::minimum(Tensor self, Tensor other) -> Tensor", pointwise(2, real));
        rule("aten::pow.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor", pointwise(2, floating));
        rule("aten::where.self(Tensor condition, Tensor self, Tensor other) -> Tensor", Preconditions.where(all));
        rule("aten::clamp.Tensor(Tensor self, Tensor? min=None, Tensor? max=None) -> Tensor",
                Preconditions.clampTensor(floating));
        for (String op : new String[] {"neg", "exp", "log", "sqrt", "rsqrt", "abs", "sign", "relu", "sigmoid", "tanh",
                "round", "floor", "ceil", "reciprocal", "square"}) {
            rule("aten::" + op + "(Tensor self) -> Tensor", unary(floating));
        }
        rule("aten::logical_not(Tensor self) -> Tensor", unary(all));
        rule("aten::clone(Tensor self, *, MemoryFormat? memory_format=None) -> Tensor", Preconditions.cloneAsIs());

        rule("aten::sum(Tensor self, *, ScalarType? dtype=None) -> Tensor", fullReduction(all, 1, real, false));
        rule("aten::mean(Tensor self, *, ScalarType? dtype=None) -> Tensor", fullReduction(floating, 1, floating, false));
        rule("aten::sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
                Preconditions.alongDims(all, 3, real));
        rule("aten::mean.dim(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
                Preconditions.alongDims(floating, 3, floating));
        rule("aten::max(Tensor self) -> Tensor", fullReduction(real, -1, 0, true));
        rule("aten::min(Tensor self) -> Tensor", fullReduction(real, -1, 0, true));
        rule("aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)",
                alongDim(real, 1, true));
        rule("aten::min.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)",
                alongDim(real, 1, true));
        rule("aten::argmax(Tensor self, int? dim=None, bool keepdim=False) -> Tensor", Preconditions.argReduction(real));
        rule("aten::amax(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor", Preconditions.amax(real));
        rule("aten::softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor",
                alongDim(floating, 1, false, 2, floating));
        rule("aten::log_softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor",
                alongDim(floating, 1, false, 2, floating));
        rule("aten::cumsum(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor", alongDim(all, 1, false, 2, real));

        rule("aten::mm(Tensor self, Tensor mat2) -> Tensor", Preconditions.matrixProduct(false));
        rule("aten::bmm(Tensor self, Tensor mat2) -> Tensor", Preconditions.matrixProduct(true));
        rule("aten::matmul(Tensor self, Tensor other) -> Tensor", Preconditions.matmul());
        rule("aten::linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor", Preconditions.linear());

        rule("aten::t(Tensor(a) self) -> Tensor(a)", Preconditions.transposeMatrix());
        rule("aten::transpose.int(Tensor(a) self, int dim0, int dim1) -> Tensor(a)", dimsInRange(0, 1, 2));
        rule("aten::permute(Tensor(a) self, int[] dims) -> Tensor(a)", Preconditions.permute());
        rule("aten::reshape(Tensor(a) self, SymInt[] shape) -> Tensor(a)", Preconditions.reshape());
        rule("aten::expand(Tensor(a) self, SymInt[] size, *, bool implicit=False) -> Tensor(a)", Preconditions.expand());
        rule("aten::flatten.using_ints(Tensor(a) self, int start_dim=0, int end_dim=-1) -> Tensor(a)",
                Preconditions.flatten());
        rule("aten::squeeze(Tensor(a) self) -> Tensor(a)", always());
        rule("aten::squeeze.dim(Tensor(a) self, int dim) -> Tensor(a)", dimsInRange(0, 1));
        rule("aten::unsqueeze(Tensor(a) self, int dim) -> Tensor(a)", dimsInRange(1, 1));
        rule("aten::select.int(Tensor(a) self, int dim, SymInt index) -> Tensor(a)", Preconditions.select());
        rule("aten::diagonal(Tensor(a) self, int offset=0, int dim1=0, int dim2=1) -> Tensor(a)",
                Preconditions.diagonal());
        rule("aten::detach(Tensor(a) self) -> Tensor(a)", always());
        rule("aten::split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) -> Tensor(a)[]",
                Preconditions.split());
        rule("aten::split_with_sizes(Tensor(a -> *) self, SymInt[] split_sizes, int dim=0) -> Tensor(a)[]",
                Preconditions.splitWithSizes());
        rule("aten::chunk(Tensor(a -> *) self, int chunks, int dim=0) -> Tensor(a)[]", Preconditions.chunk());
    }

    private UnboxedRules() {}

    private static void rule(String schema, Precondition precondition) {
        RULES.put(OpSchema.parse(schema).toString(), precondition);
        SCHEMAS.add(schema);
    }

    /** The precondition for {@code schema}, or null when the op always takes the boxed call. */
    static Precondition forSchema(OpSchema schema) {
        return RULES.get(schema.toString());
    }

    /** The schemas listed, in order. */
    static List<String> schemas() {
        return List.copyOf(SCHEMAS);
    }
}
