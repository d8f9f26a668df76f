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
 * One call of an {@link AtenOp} being built: arguments are encoded onto the dispatcher stack in
 * schema order, then a {@code call*} method runs the op and decodes its returns.
 *
 * <p>Ownership is settled here and nowhere else. The dispatcher takes ownership of every tensor
 * handle, list, string and optional box on the stack, so each argument gets fresh natives made
 * for the call, and the caller's {@link TensorHandle}s stay the caller's. Until the call runs,
 * those natives are logged; if building fails (a wrong argument, a closed tensor) or libtorch
 * reports it does not know the op (nothing was consumed), they are freed here. Otherwise libtorch
 * has consumed them. Returned tensors come back as new {@link TensorHandle}s owned by the caller.
 *
 * <p>Instances are pooled per thread, so nested calls (an argument computed by another op while
 * this call is being built) work. A call must be finished on the thread that started it.
 */
public final class OpCall {

    private static final ThreadLocal<ArrayDeque<OpCall>> POOL = ThreadLocal.withInitial(ArrayDeque::new);

    private enum Owned { TENSOR, LIST, BOX, STRING }

    private final MemorySegment stack = Arena.ofAuto().allocate(Scratch.STACK_SLOTS * 8L, 8);
    private final long[] raw = new long[Scratch.STACK_SLOTS];
    private final boolean[] present = new boolean[Scratch.STACK_SLOTS];
    private final Object[] described = new Object[Scratch.STACK_SLOTS];
    private long[] owned = new long[16];
    private Owned[] ownedKinds = new Owned[16];
    private int ownedCount;
    private AtenOp op;
    private int next;

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
        SchemaType type = expect(Kind.TENSOR);
        try {
            long handle = ownTensor(tensor);
            return put(type, handle, tensor);
        } catch (RuntimeException e) {
            throw abort(e);
        }
    }

    /** None, for an optional argument. */
    public OpCall none() {
        SchemaType type = peek();
        if (!type.optional()) {
            throw abort(new IllegalArgumentException(position() + " is " + type + ", not optional: it cannot be None"));
        }
        stack.setAtIndex(ValueLayout.JAVA_LONG, next, 0L);
        present[next] = false;
        described[next] = null;
        next++;
        return this;
    }

    /** An {@code int} / {@code SymInt} argument. */
    public OpCall int64(long value) {
        return put(expect(Kind.INT), value, null);
    }

    /** A {@code float} argument (a C double). */
    public OpCall float64(double value) {
        return put(expect(Kind.FLOAT), Double.doubleToRawLongBits(value), null);
    }

    /** A {@code bool} argument. */
    public OpCall bool(boolean value) {
        return put(expect(Kind.BOOL), value ? 1 : 0, null);
    }

    /** A {@code ScalarType} argument, as a code from {@link AbiCodes#dtype}. */
    public OpCall scalarType(int dtypeCode) {
        return put(expect(Kind.SCALAR_TYPE), Integer.toUnsignedLong(dtypeCode), null);
    }

    /** A {@code Layout} argument, as a code such as {@link AbiCodes#layoutStrided()}. */
    public OpCall layout(int layoutCode) {
        return put(expect(Kind.LAYOUT), Integer.toUnsignedLong(layoutCode), null);
    }

    /** A {@code MemoryFormat} argument, as a code from {@link AbiCodes#memoryFormat}. */
    public OpCall memoryFormat(int memoryFormatCode) {
        return put(expect(Kind.MEMORY_FORMAT), Integer.toUnsignedLong(memoryFormatCode), null);
    }

    /** A {@code Device} argument: a device-type code and an index (-1 for the current device). */
    public OpCall device(int deviceTypeCode, int index) {
        return put(expect(Kind.DEVICE), ((long) deviceTypeCode << 32) | (index & 0xFFFF_FFFFL), null);
    }

    /** A {@code str} argument. */
    public OpCall string(String value) {
        SchemaType type = expect(Kind.STRING);
        try {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            MemorySegment out = Scratch.out();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment data = arena.allocateFrom(ValueLayout.JAVA_BYTE, utf8);
                Status.check(TorchC.torch_new_string_handle(data, utf8.length, out), "torch_new_string_handle");
            }
            long handle = out.get(ValueLayout.JAVA_LONG, 0);
            log(Owned.STRING, handle);
            return put(type, handle, value);
        } catch (RuntimeException e) {
            throw abort(e);
        }
    }

    /** An {@code int[]} / {@code SymInt[N]} argument. */
    public OpCall intList(long... values) {
        SchemaType type = expect(Kind.INT_LIST);
        try {
            long list = newList(values.length);
            for (long value : values) {
                push(list, value);
            }
            return put(type, list, values);
        } catch (RuntimeException e) {
            throw abort(e);
        }
    }

    /** A {@code float[]} argument. */
    public OpCall floatList(double... values) {
        SchemaType type = expect(Kind.FLOAT_LIST);
        try {
            long list = newList(values.length);
            for (double value : values) {
                push(list, Double.doubleToRawLongBits(value));
            }
            return put(type, list, values);
        } catch (RuntimeException e) {
            throw abort(e);
        }
    }

    /** A {@code bool[]} argument. */
    public OpCall boolList(boolean... values) {
        SchemaType type = expect(Kind.BOOL_LIST);
        try {
            long list = newList(values.length);
            for (boolean value : values) {
                push(list, value ? 1 : 0);
            }
            return put(type, list, values);
        } catch (RuntimeException e) {
            throw abort(e);
        }
    }

    /** A {@code Tensor[]} argument; the caller keeps its handles. */
    public OpCall tensorList(TensorHandle... tensors) {
        SchemaType type = expect(Kind.TENSOR_LIST);
        try {
            long list = newList(tensors.length);
            for (TensorHandle tensor : tensors) {
                push(list, ownTensor(tensor));
            }
            return put(type, list, tensors);
        } catch (RuntimeException e) {
            throw abort(e);
        }
    }

    /** A {@code Tensor?[]} argument; null elements are None. */
    public OpCall optionalTensorList(TensorHandle... tensors) {
        SchemaType type = expect(Kind.OPTIONAL_TENSOR_LIST);
        try {
            long list = newList(tensors.length);
            for (TensorHandle tensor : tensors) {
                push(list, tensor == null ? 0L : box(ownTensor(tensor)));
            }
            return put(type, list, tensors);
        } catch (RuntimeException e) {
            throw abort(e);
        }
    }

    // ---- Running the call ----

    /** Runs an op that returns one {@code Tensor}. */
    public TensorHandle callTensor() {
        requireActive();
        requireReturns(op.schema.returns().size() == 1 && op.schema.returns().get(0).kind() == Kind.TENSOR, "Tensor");
        invoke();
        try {
            return TensorHandle.adopt(stack.getAtIndex(ValueLayout.ADDRESS, 0));
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
            return oneList ? takeList(stack.getAtIndex(ValueLayout.JAVA_LONG, 0)) : takeTensors(returns.size());
        } finally {
            finish();
        }
    }

    /** Runs the op and discards its returns (an in-place op returning {@code self}, or {@code ()}). */
    public void callVoid() {
        invoke();
        try {
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

    // ---- Encoding helpers ----

    private SchemaType peek() {
        requireActive();
        if (next >= op.schema.arguments().size()) {
            throw abort(new IllegalArgumentException(op.qualifiedName + " takes only "
                    + op.schema.arguments().size() + " arguments"));
        }
        return op.schema.arguments().get(next).type();
    }

    private SchemaType expect(Kind kind) {
        SchemaType type = peek();
        if (type.kind() != kind) {
            throw abort(new IllegalArgumentException(position() + " is " + type + ", not " + kind.name().toLowerCase()));
        }
        return type;
    }

    private String position() {
        return op.qualifiedName + " argument " + next + " '" + op.schema.arguments().get(next).name() + "'";
    }

    /** Stores an encoded value, boxing it when the argument is optional. */
    private OpCall put(SchemaType type, long value, Object description) {
        try {
            stack.setAtIndex(ValueLayout.JAVA_LONG, next, type.optional() ? box(value) : value);
        } catch (RuntimeException e) {
            throw abort(e);
        }
        raw[next] = value;
        present[next] = true;
        described[next] = description;
        next++;
        return this;
    }

    private long ownTensor(TensorHandle tensor) {
        if (tensor == null) {
            throw new IllegalArgumentException(position() + " is null; use none() for an absent optional tensor");
        }
        long handle = tensor.newRawReference().address();
        log(Owned.TENSOR, handle);
        return handle;
    }

    /** An 8-byte box from C++ operator new, which libtorch frees with operator delete. */
    private long box(long value) {
        MemorySegment box = CxxAbi.operatorNew(8);
        box.set(ValueLayout.JAVA_LONG, 0, value);
        log(Owned.BOX, box.address());
        return box.address();
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

    private void requireActive() {
        if (op == null) {
            throw new IllegalStateException("this call has already finished");
        }
    }

    private void requireReturns(boolean matches, String wanted) {
        if (!matches) {
            var error = new IllegalStateException(op.qualifiedName + " returns " + op.schema.returns() + ", not " + wanted);
            throw abort(error);
        }
    }

    private void finish() {
        Arrays.fill(described, 0, Math.max(next, 0), null);
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
