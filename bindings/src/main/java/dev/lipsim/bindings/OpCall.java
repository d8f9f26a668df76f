package dev.lipsim.bindings;

import dev.lipsim.bindings.SchemaType.Kind;
import dev.lipsim.bindings.ffm.TorchC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.StringJoiner;

/**
 * One call of an {@link AtenOp} being built: arguments are added in schema order (and checked
 * against it), then a {@code call*} method encodes them onto the dispatcher stack, runs the op and
 * decodes its returns.
 *
 * <p>Ownership is settled here and nowhere else. The dispatcher takes ownership of every tensor
 * handle, list, string and optional box on the stack, so those natives are made for the call, at
 * the moment it runs, and the caller's {@link TensorHandle}s stay the caller's. Adding arguments
 * makes no natives, so a call that is abandoned half-built (an exception while computing a later
 * argument) leaks nothing. If encoding fails (a closed tensor), or libtorch reports that it does
 * not know the op (nothing was consumed), what was made is freed here; otherwise libtorch has
 * consumed it. (If an unknown op fails without a message libtorch's handles cannot be told apart
 * from consumed ones; they are then left alone rather than risk a double free.) Returned tensors
 * come back as new {@link TensorHandle}s owned by the caller.
 *
 * <p>When the op has an unboxed entry point and the arguments pass its precondition, the call
 * goes there instead ({@link UnboxedEntry}): tensors are then borrowed, nothing is made for the
 * callee, and the results are the same new handles.
 *
 * <p>Instances are pooled per thread, so nested calls (an argument computed by another op while
 * this call is being built) work. A call must be finished on the thread that started it and must
 * not be used after its {@code call*} method.
 */
public final class OpCall {

    /** The most arguments or returns an op may have. */
    static final int STACK_SLOTS = 64;

    private static final ThreadLocal<ArrayDeque<OpCall>> POOL = ThreadLocal.withInitial(ArrayDeque::new);

    private enum Owned { TENSOR, LIST, BOX, STRING }

    private final MemorySegment stack = Arena.ofAuto().allocate(OpCall.STACK_SLOTS * 8L, 8);
    private final long[] raw = new long[OpCall.STACK_SLOTS];
    private final boolean[] present = new boolean[OpCall.STACK_SLOTS];
    private final Object[] described = new Object[OpCall.STACK_SLOTS];
    private long[] owned = new long[16];
    private Owned[] ownedKinds = new Owned[16];
    private int ownedCount;
    private AtenOp op;
    private int next;
    /** The unboxed path's argument buffer, facts per argument, and results (null after a boxed call). */
    private MemorySegment unboxedBuffer;
    private TensorFacts[] facts = new TensorFacts[0];
    private TensorHandle[] unboxedResults;
    private final Values values = new Values();

    private OpCall() {}

    static OpCall acquire(AtenOp op) {
        OpCall call = POOL.get().pollFirst();
        if (call == null) {
            call = new OpCall();
        }
        call.op = op;
        call.next = 0;
        return call;
    }

    // ---- Arguments, in schema order ----

    /** A {@code Tensor} (or present {@code Tensor?}) argument; the caller keeps its handle. */
    public OpCall tensor(TensorHandle tensor) {
        expect(Kind.TENSOR);
        return put(0, requireOpen(tensor));
    }

    /** None, for an optional argument. */
    public OpCall none() {
        SchemaType type = peek();
        if (!type.optional()) {
            throw abort(new IllegalArgumentException(position() + " is " + type + ", not optional: it cannot be None"));
        }
        present[next] = false;
        described[next] = null;
        next++;
        return this;
    }

    /** An {@code int} / {@code SymInt} argument. */
    public OpCall int64(long value) {
        expect(Kind.INT);
        return put(value, null);
    }

    /** A {@code float} argument (a C double). */
    public OpCall float64(double value) {
        expect(Kind.FLOAT);
        return put(Double.doubleToRawLongBits(value), null);
    }

    /** A {@code bool} argument. */
    public OpCall bool(boolean value) {
        expect(Kind.BOOL);
        return put(value ? 1 : 0, null);
    }

    /** A {@code ScalarType} argument, as a code from {@link AbiCodes#dtype}. */
    public OpCall scalarType(int dtypeCode) {
        expect(Kind.SCALAR_TYPE);
        return put(Integer.toUnsignedLong(dtypeCode), null);
    }

    /** A {@code Layout} argument, as a code such as {@link AbiCodes#layoutStrided()}. */
    public OpCall layout(int layoutCode) {
        expect(Kind.LAYOUT);
        return put(Integer.toUnsignedLong(layoutCode), null);
    }

    /** A {@code MemoryFormat} argument, as a code from {@link AbiCodes#memoryFormat}. */
    public OpCall memoryFormat(int memoryFormatCode) {
        expect(Kind.MEMORY_FORMAT);
        return put(Integer.toUnsignedLong(memoryFormatCode), null);
    }

    /** A {@code Device} argument: a device-type code and an index (-1 for the current device). */
    public OpCall device(int deviceTypeCode, int index) {
        expect(Kind.DEVICE);
        return put(((long) deviceTypeCode << 32) | (index & 0xFFFF_FFFFL), null);
    }

    /** A {@code str} argument. */
    public OpCall string(String value) {
        expect(Kind.STRING);
        return put(0, value);
    }

    /** An {@code int[]} / {@code SymInt[N]} argument. */
    public OpCall intList(long... values) {
        expect(Kind.INT_LIST);
        return put(0, values.clone());
    }

    /** A {@code float[]} argument. */
    public OpCall floatList(double... values) {
        expect(Kind.FLOAT_LIST);
        return put(0, values.clone());
    }

    /** A {@code bool[]} argument. */
    public OpCall boolList(boolean... values) {
        expect(Kind.BOOL_LIST);
        return put(0, values.clone());
    }

    /** A {@code Tensor[]} argument; the caller keeps its handles. */
    public OpCall tensorList(TensorHandle... tensors) {
        expect(Kind.TENSOR_LIST);
        for (TensorHandle tensor : tensors) {
            requireOpen(tensor);
        }
        return put(0, tensors.clone());
    }

    /** A {@code Tensor?[]} argument; null elements are None. */
    public OpCall optionalTensorList(TensorHandle... tensors) {
        expect(Kind.OPTIONAL_TENSOR_LIST);
        for (TensorHandle tensor : tensors) {
            if (tensor != null) {
                requireOpen(tensor);
            }
        }
        return put(0, tensors.clone());
    }

    // ---- Running the call ----

    /** Runs an op that returns one {@code Tensor}. */
    public TensorHandle callTensor() {
        requireActive();
        requireReturns(op.schema.returns().size() == 1 && op.schema.returns().get(0).kind() == Kind.TENSOR, "Tensor");
        invoke();
        try {
            return unboxedResults != null ? unboxedResults[0] : TensorHandle.adopt(stack.getAtIndex(ValueLayout.ADDRESS, 0));
        } finally {
            finish();
        }
    }

    /** Runs an op that returns several {@code Tensor}s, or one {@code Tensor[]}. */
    public TensorHandle[] callTensors() {
        requireActive();
        var returns = op.schema.returns();
        boolean oneList = returns.size() == 1 && returns.get(0).kind() == Kind.TENSOR_LIST;
        boolean allTensors = returns.stream().allMatch(r -> r.kind() == Kind.TENSOR);
        requireReturns(oneList || allTensors, "Tensors");
        invoke();
        try {
            if (unboxedResults != null) {
                return unboxedResults;
            }
            return oneList ? takeList(stack.getAtIndex(ValueLayout.JAVA_LONG, 0)) : takeTensors(returns.size());
        } finally {
            finish();
        }
    }

    /** Runs the op and discards its returns (an in-place op returning {@code self}, or {@code ()}). */
    public void callVoid() {
        invoke();
        try {
            if (unboxedResults != null) {
                closeAll(unboxedResults);
                return;
            }
            var returns = op.schema.returns();
            for (int i = 0; i < returns.size(); i++) {
                switch (returns.get(i).kind()) {
                    case TENSOR -> TensorHandle.adopt(stack.getAtIndex(ValueLayout.ADDRESS, i)).close();
                    case TENSOR_LIST -> closeAll(takeList(stack.getAtIndex(ValueLayout.JAVA_LONG, i)));
                    default -> { }
                }
            }
        } finally {
            finish();
        }
    }

    /** Runs an op that returns one {@code int}. */
    public long callInt() {
        return callPrimitive(Kind.INT);
    }

    /** Runs an op that returns one {@code float}. */
    public double callFloat() {
        return Double.longBitsToDouble(callPrimitive(Kind.FLOAT));
    }

    /** Runs an op that returns one {@code bool}. */
    public boolean callBool() {
        return (callPrimitive(Kind.BOOL) & 0xFF) != 0;
    }

    /** Runs an op that returns one {@code ScalarType}; returns its dtype code. */
    public int callScalarType() {
        return (int) callPrimitive(Kind.SCALAR_TYPE);
    }

    private long callPrimitive(Kind kind) {
        requireActive();
        requireReturns(op.schema.returns().size() == 1 && op.schema.returns().get(0).kind() == kind,
                kind.name().toLowerCase());
        invoke();
        try {
            return stack.getAtIndex(ValueLayout.JAVA_LONG, 0);
        } finally {
            finish();
        }
    }

    private void invoke() {
        requireActive();
        if (next != op.schema.arguments().size()) {
            throw abort(new IllegalArgumentException(op.qualifiedName + " takes "
                    + op.schema.arguments().size() + " arguments, got " + next + "; missing "
                    + op.schema.arguments().get(next).name() + " (the dispatcher applies no defaults)"));
        }
        try {
            if (op.unboxed != null && Dispatch.unboxedEnabled() && admitted() && op.unboxed.marshal(values, unboxedBuffer())) {
                unboxedResults = op.unboxed.invoke(unboxedBuffer);
                assert op.countUnboxedCall();
                return;
            }
            for (int i = 0; i < next; i++) {
                stack.setAtIndex(ValueLayout.JAVA_LONG, i, encode(i));
            }
        } catch (RuntimeException e) {
            throw abort(e);
        }
        int rc = TorchC.torch_call_dispatcher(op.nameC, op.overloadC, stack, AtenOp.EXTENSION_BUILD_VERSION);
        if (rc != 0) {
            String message = ErrorMessages.forLastFailure();
            if (message != null && message.startsWith("Could not find schema for")) {
                releaseOwned(); // the op lookup failed before any argument was taken
            }
            ownedCount = 0;
            String operation = op.qualifiedName;
            String arguments = describeArguments();
            finish();
            throw new TorchException(operation, arguments, message);
        }
        ownedCount = 0;
    }

    // ---- The unboxed path ----

    /** Reads every tensor argument's facts and asks the op's precondition. */
    private boolean admitted() {
        if (facts.length < next) {
            facts = Arrays.copyOf(facts, OpCall.STACK_SLOTS);
        }
        MemorySegment out = Scratch.out();
        var arguments = op.schema.arguments();
        for (int i = 0; i < next; i++) {
            if (arguments.get(i).type().kind() == Kind.TENSOR && present[i]) {
                if (facts[i] == null) {
                    facts[i] = new TensorFacts();
                }
                if (!facts[i].read(values.handle(i).checkedAddress(), out)) {
                    return false;
                }
            }
        }
        return op.precondition.admits(values);
    }

    private MemorySegment unboxedBuffer() {
        if (unboxedBuffer == null) {
            unboxedBuffer = Arena.ofAuto().allocate(UnboxedEntry.BUFFER_BYTES, 16);
        }
        return unboxedBuffer;
    }

    /** Whether this call, as built so far, passes its op's precondition for the unboxed path (for tests). */
    boolean admitsUnboxed() {
        return op.unboxed != null && admitted();
    }

    /** Runs {@code entry} with this call's arguments, unchecked: for {@link LayoutProbes} only. */
    TensorHandle[] callThrough(UnboxedEntry entry) {
        requireActive();
        try {
            if (!entry.marshal(values, unboxedBuffer())) {
                throw new IllegalStateException("probe arguments do not fit the unboxed buffer");
            }
            return entry.invoke(unboxedBuffer);
        } finally {
            finish();
        }
    }

    /** The arguments added so far, as the unboxed path reads them. */
    final class Values implements Preconditions.Arguments {

        @Override
        public TensorFacts tensor(int i) {
            return present[i] ? facts[i] : null;
        }

        @Override
        public long int64(int i) {
            return raw[i];
        }

        @Override
        public boolean present(int i) {
            return present[i];
        }

        @Override
        public long[] ints(int i) {
            return (long[]) described[i];
        }

        TensorHandle handle(int i) {
            return (TensorHandle) described[i];
        }
    }

    // ---- Building helpers ----

    private void requireActive() {
        if (op == null) {
            throw new IllegalStateException("this call has already finished");
        }
    }

    private SchemaType peek() {
        requireActive();
        if (next >= op.schema.arguments().size()) {
            throw abort(new IllegalArgumentException(op.qualifiedName + " takes only "
                    + op.schema.arguments().size() + " arguments"));
        }
        return op.schema.arguments().get(next).type();
    }

    private void expect(Kind kind) {
        SchemaType type = peek();
        if (type.kind() != kind) {
            throw abort(new IllegalArgumentException(position() + " is " + type + ", not " + kind.name().toLowerCase()));
        }
    }

    private String position() {
        return op.qualifiedName + " argument " + next + " '" + op.schema.arguments().get(next).name() + "'";
    }

    private TensorHandle requireOpen(TensorHandle tensor) {
        if (tensor == null) {
            throw abort(new IllegalArgumentException(position() + " is null; use none() for an absent optional tensor"));
        }
        if (tensor.isClosed()) {
            throw abort(new IllegalStateException("the tensor handle is closed"));
        }
        return tensor;
    }

    /** Records an argument: its raw value for scalar kinds, the Java value for the others. */
    private OpCall put(long value, Object description) {
        raw[next] = value;
        present[next] = true;
        described[next] = description;
        next++;
        return this;
    }

    private void requireReturns(boolean matches, String wanted) {
        if (!matches) {
            var error = new IllegalStateException(op.qualifiedName + " returns " + op.schema.returns() + ", not " + wanted);
            throw abort(error);
        }
    }

    // ---- Encoding (at invoke time) ----

    /** The stack value of argument {@code i}, making the natives the callee will own. */
    private long encode(int i) {
        if (!present[i]) {
            return 0L;
        }
        SchemaType type = op.schema.arguments().get(i).type();
        Object value = described[i];
        long encoded = switch (type.kind()) {
            case TENSOR -> ownTensor((TensorHandle) value);
            case STRING -> newString((String) value);
            case INT_LIST -> {
                long list = newList(((long[]) value).length);
                for (long v : (long[]) value) {
                    push(list, v);
                }
                yield list;
            }
            case FLOAT_LIST -> {
                long list = newList(((double[]) value).length);
                for (double v : (double[]) value) {
                    push(list, Double.doubleToRawLongBits(v));
                }
                yield list;
            }
            case BOOL_LIST -> {
                long list = newList(((boolean[]) value).length);
                for (boolean v : (boolean[]) value) {
                    push(list, v ? 1 : 0);
                }
                yield list;
            }
            case TENSOR_LIST -> {
                long list = newList(((TensorHandle[]) value).length);
                for (TensorHandle tensor : (TensorHandle[]) value) {
                    push(list, ownTensor(tensor));
                }
                yield list;
            }
            case OPTIONAL_TENSOR_LIST -> {
                long list = newList(((TensorHandle[]) value).length);
                for (TensorHandle tensor : (TensorHandle[]) value) {
                    push(list, tensor == null ? 0L : box(ownTensor(tensor)));
                }
                yield list;
            }
            default -> raw[i];
        };
        return type.optional() ? box(encoded) : encoded;
    }

    private long ownTensor(TensorHandle tensor) {
        long handle = tensor.newRawReference().address();
        log(Owned.TENSOR, handle);
        return handle;
    }

    private long newString(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        MemorySegment out = Scratch.out();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocateFrom(ValueLayout.JAVA_BYTE, utf8);
            Status.check(TorchC.torch_new_string_handle(data, utf8.length, out), "torch_new_string_handle");
        }
        long handle = out.get(ValueLayout.JAVA_LONG, 0);
        log(Owned.STRING, handle);
        return handle;
    }

    /** An 8-byte box from C++ operator new, which libtorch frees with operator delete. */
    private long box(long value) {
        long box = CxxAbi.operatorNew(8);
        CxxAbi.MEMORY.set(ValueLayout.JAVA_LONG, box, value);
        log(Owned.BOX, box);
        return box;
    }

    private long newList(int size) {
        MemorySegment out = Scratch.out();
        Status.check(TorchC.torch_new_list_reserve_size(size, out), "torch_new_list_reserve_size");
        long list = out.get(ValueLayout.JAVA_LONG, 0);
        log(Owned.LIST, list);
        return list;
    }

    private static void push(long list, long value) {
        Status.check(TorchC.torch_list_push_back(MemorySegment.ofAddress(list), value), "torch_list_push_back");
    }

    private void log(Owned kind, long address) {
        if (ownedCount == owned.length) {
            owned = Arrays.copyOf(owned, ownedCount * 2);
            ownedKinds = Arrays.copyOf(ownedKinds, ownedCount * 2);
        }
        owned[ownedCount] = address;
        ownedKinds[ownedCount] = kind;
        ownedCount++;
    }

    private void releaseOwned() {
        for (int i = ownedCount - 1; i >= 0; i--) {
            MemorySegment pointer = MemorySegment.ofAddress(owned[i]);
            switch (ownedKinds[i]) {
                case TENSOR -> TorchC.aoti_torch_delete_tensor_object(pointer);
                case LIST -> TorchC.torch_delete_list(pointer);
                case STRING -> TorchC.torch_delete_string(pointer);
                case BOX -> CxxAbi.operatorDelete(pointer);
            }
        }
        ownedCount = 0;
    }

    /** Frees what this call made, returns it to the pool, and gives back {@code error} to throw. */
    private RuntimeException abort(RuntimeException error) {
        if (op != null) {
            releaseOwned();
            finish();
        }
        return error;
    }

    private void finish() {
        Arrays.fill(described, 0, Math.max(next, 0), null);
        unboxedResults = null;
        op = null;
        next = 0;
        POOL.get().addFirst(this);
    }

    // ---- Decoding helpers ----

    private TensorHandle[] takeTensors(int count) {
        TensorHandle[] tensors = new TensorHandle[count];
        for (int i = 0; i < count; i++) {
            tensors[i] = TensorHandle.adopt(stack.getAtIndex(ValueLayout.ADDRESS, i));
        }
        return tensors;
    }

    /** Adopts every tensor in a returned list, then deletes the list (which does not own them). */
    private static TensorHandle[] takeList(long listAddress) {
        MemorySegment list = MemorySegment.ofAddress(listAddress);
        MemorySegment out = Scratch.out();
        try {
            Status.check(TorchC.torch_list_size(list, out), "torch_list_size");
            int size = Math.toIntExact(out.get(ValueLayout.JAVA_LONG, 0));
            TensorHandle[] tensors = new TensorHandle[size];
            for (int i = 0; i < size; i++) {
                Status.check(TorchC.torch_list_get_item(list, i, out), "torch_list_get_item");
                tensors[i] = TensorHandle.adopt(out.get(ValueLayout.ADDRESS, 0));
            }
            return tensors;
        } finally {
            Status.check(TorchC.torch_delete_list(list), "torch_delete_list");
        }
    }

    private static void closeAll(TensorHandle[] tensors) {
        for (TensorHandle tensor : tensors) {
            tensor.close();
        }
    }

    /** {@code (self=Tensor[2, 3] float32 cpu, dim=1)}, for error messages. */
    private String describeArguments() {
        StringJoiner joiner = new StringJoiner(", ", "(", ")");
        var arguments = op.schema.arguments();
        for (int i = 0; i < next; i++) {
            joiner.add(arguments.get(i).name() + "=" + describe(arguments.get(i).type(), i));
        }
        return joiner.toString();
    }

    private String describe(SchemaType type, int i) {
        if (!present[i]) {
            return "None";
        }
        Object value = described[i];
        return switch (type.kind()) {
            case TENSOR -> safeDescribe((TensorHandle) value);
            case INT -> Long.toString(raw[i]);
            case FLOAT -> Double.toString(Double.longBitsToDouble(raw[i]));
            case BOOL -> raw[i] != 0 ? "True" : "False";
            case SCALAR_TYPE -> AbiCodes.dtypeName((int) raw[i]);
            case DEVICE -> AbiCodes.deviceTypeName((int) (raw[i] >>> 32)) + ":" + (int) raw[i];
            case STRING -> "'" + value + "'";
            case INT_LIST -> Arrays.toString((long[]) value);
            case FLOAT_LIST -> Arrays.toString((double[]) value);
            case BOOL_LIST -> Arrays.toString((boolean[]) value);
            case TENSOR_LIST, OPTIONAL_TENSOR_LIST -> {
                StringJoiner list = new StringJoiner(", ", "[", "]");
                for (TensorHandle tensor : (TensorHandle[]) value) {
                    list.add(tensor == null ? "None" : safeDescribe(tensor));
                }
                yield list.toString();
            }
            default -> type + " " + raw[i];
        };
    }

    private static String safeDescribe(TensorHandle tensor) {
        try {
            return tensor.describe();
        } catch (RuntimeException e) {
            return "Tensor(?)";
        }
    }
}
