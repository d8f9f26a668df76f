package dev.lipsim.bindings;

import dev.lipsim.bindings.Preconditions.Precondition;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * An ATen operator, declared by its schema and called through libtorch's boxed dispatcher
 * ({@code torch_call_dispatcher}), so autograd and every device work as in PyTorch.
 *
 * <pre>{@code
 * static final AtenOp MM = AtenOp.of("aten::mm(Tensor self, Tensor mat2) -> Tensor");
 * TensorHandle product = MM.call().tensor(a).tensor(b).callTensor();
 * }</pre>
 *
 * <p>The schema is the op's signature from PyTorch's {@code native_functions.yaml}; arguments
 * are checked against it as they are added, and every argument must be given (the dispatcher
 * applies no defaults). A non-optional {@code Scalar} argument cannot cross the 2.10 C ABI, so
 * such schemas are refused here, when the op is declared; use a Tensor overload or
 * {@link ShimOps}.
 *
 * <p>Where {@link UnboxedRules} knows the op, a call whose arguments pass its precondition goes
 * through the op's unboxed entry point instead ({@link UnboxedEntry}); same result, less
 * overhead; {@link Dispatch} reports which ops can. Immutable and thread-safe.
 */
public final class AtenOp {

    /** The libtorch version we build against, passed so libtorch can adapt older callers. */
    static final long EXTENSION_BUILD_VERSION = LibTorch.MINIMUM_ABI_VERSION;

    final OpSchema schema;
    final MemorySegment nameC;
    final MemorySegment overloadC;
    final String qualifiedName;
    /** The unboxed entry point and its precondition, both null when every call is boxed. */
    final UnboxedEntry unboxed;
    final Precondition precondition;
    /** Why calls are always boxed, or null. */
    final String boxedReason;
    /** Calls that took the unboxed path, counted for tests with assertions on (-ea) only; racy across threads. */
    long unboxedCalls;

    private AtenOp(OpSchema schema, UnboxedEntry unboxed, Precondition precondition, String boxedReason) {
        this.schema = schema;
        this.nameC = Arena.global().allocateFrom(schema.name());
        this.overloadC = Arena.global().allocateFrom(schema.overload());
        this.qualifiedName = schema.qualifiedName();
        this.unboxed = unboxed;
        this.precondition = precondition;
        this.boxedReason = boxedReason;
    }

    /** An op for {@link LayoutProbes}: calls go only where the probe sends them. */
    static AtenOp forProbe(OpSchema schema) {
        return new AtenOp(schema, null, null, "layout probe");
    }

    /** Declares an op from its schema; throws if the schema cannot be called through the C ABI. */
    public static AtenOp of(String schema) {
        LibTorch.load();
        OpSchema parsed = OpSchema.parse(schema);
        for (OpSchema.Argument argument : parsed.arguments()) {
            SchemaType.Kind kind = argument.type().kind();
            boolean unpassable = kind == SchemaType.Kind.SCALAR || kind == SchemaType.Kind.UNSUPPORTED;
            if (unpassable && !argument.type().optional()) {
                throw new IllegalArgumentException(parsed.qualifiedName() + " takes '" + argument.type() + " "
                        + argument.name() + "', which libtorch's 2.10 C ABI cannot pass; use another overload");
            }
        }
        for (SchemaType type : parsed.returns()) {
            if (type.kind() == SchemaType.Kind.SCALAR || type.kind() == SchemaType.Kind.UNSUPPORTED) {
                throw new IllegalArgumentException(parsed.qualifiedName() + " returns '" + type
                        + "', which this call layer cannot decode");
            }
        }
        return withUnboxedPath(parsed);
    }

    private static AtenOp withUnboxedPath(OpSchema schema) {
        Precondition precondition = UnboxedRules.forSchema(schema);
        if (precondition == null) {
            return new AtenOp(schema, null, null, "no precondition known for this schema");
        }
        UnboxedEntry.Binding binding = UnboxedEntry.bind(schema);
        if (binding.entry() == null) {
            return new AtenOp(schema, null, null, binding.refusal());
        }
        for (Object layout : LayoutProbes.failed()) {
            if (binding.entry().carriers.contains(layout) || binding.entry().result == layout) {
                return new AtenOp(schema, null, null, "the layout check of " + layout + " failed");
            }
        }
        return new AtenOp(schema, binding.entry(), precondition, null);
    }

    /** Counts an unboxed call; returns true, so that {@code assert} can call it off the hot path of production runs. */
    boolean countUnboxedCall() {
        unboxedCalls++;
        return true;
    }

    /** Starts a call: add every argument in schema order, then finish with one of the {@code call*} methods. */
    public OpCall call() {
        return OpCall.acquire(this);
    }

    /** {@code aten::name.overload}. */
    public String name() {
        return qualifiedName;
    }

    /** The argument names, in order. */
    public List<String> argumentNames() {
        return schema.arguments().stream().map(OpSchema.Argument::name).toList();
    }

    @Override
    public String toString() {
        return qualifiedName;
    }
}
