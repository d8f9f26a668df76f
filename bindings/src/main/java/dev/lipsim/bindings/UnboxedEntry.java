package dev.lipsim.bindings;

import dev.lipsim.bindings.ItaniumMangling.Builtin;
import dev.lipsim.bindings.ItaniumMangling.Const;
import dev.lipsim.bindings.ItaniumMangling.Named;
import dev.lipsim.bindings.ItaniumMangling.Reference;
import dev.lipsim.bindings.ItaniumMangling.Template;
import dev.lipsim.bindings.ItaniumMangling.Type;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An op's unboxed entry point, {@code at::_ops::<op>_<overload>::call}: the C++ function the
 * boxed dispatcher call ends in, taking its arguments as C++ values instead of a stack of boxed
 * ones. It still goes through the dispatcher, so autograd and device selection are as before.
 *
 * <p>Everything is derived from the op's schema: each argument's C++ type in libtorch's dispatcher
 * signature (and from those the mangled symbol, so a schema that does not match libtorch's
 * finds no symbol), how its value is laid out, and how the result comes back. A tensor is passed
 * by its handle, which points at an {@code at::Tensor}; a returned {@code at::Tensor} is built
 * by the callee in memory the caller provides (the Itanium ABI's hidden result pointer), from
 * {@code operator new} so that the stable ABI's delete frees it like any handle.
 *
 * <p>Arguments are written into a per-call native buffer: the hidden result pointer in slot 0,
 * argument {@code i} in slot {@code i + 1} (24 bytes each, room for a by-value struct), and
 * array contents and by-reference temporaries after the slots. The downcall handle is adapted
 * to take just that buffer, so one {@code invokeExact} shape serves every op.
 */
final class UnboxedEntry {

    static final long SLOT = 24;
    static final long BUFFER_BYTES = 4096;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final long[] NO_VALUES = {};
    /** Integer argument registers of the SysV x86-64 ABI (rdi, rsi, rdx, rcx, r8, r9). */
    private static final int INTEGER_REGISTERS = 6;

    private static final Named AT_TENSOR = new Named("at", "Tensor");
    private static final Named STD_OPTIONAL = new Named("std", "optional");
    private static final Named C10_ARRAY_REF = new Named("c10", "ArrayRef");
    private static final Named C10_SYMINT = new Named("c10", "SymInt");

    /**
     * How one argument is passed, with the C++ type that names it in the symbol. Every carrier is
     * one to three eightbytes of the SysV ABI's INTEGER class (a pointer, an integer, or a small
     * trivially copyable struct), written as longs into the argument's slot.
     */
    enum Carrier {
        /** {@code const at::Tensor&}: the handle itself. */
        TENSOR(1, new Reference(new Const(AT_TENSOR))),
        /** {@code const std::optional<at::Tensor>&}: a pointer to {@code {TensorImpl*, bool engaged}}. */
        OPTIONAL_TENSOR(1, new Reference(new Const(new Template(STD_OPTIONAL, AT_TENSOR)))),
        INT(1, new Builtin("l")),
        /** {@code bool}, passed as 0 or 1 in a whole register. */
        BOOL(1, new Builtin("b")),
        /** {@code c10::SymInt} by value; not trivially copyable, so passed by a hidden reference. */
        SYMINT(1, C10_SYMINT),
        /** {@code c10::ArrayRef<int64_t>} by value: {@code {const int64_t*, size_t}}. */
        INT_ARRAY(2, new Template(C10_ARRAY_REF, new Builtin("l"))),
        /** {@code c10::ArrayRef<c10::SymInt>}: as above; a SymInt holding a plain integer is that integer. */
        SYMINT_ARRAY(2, new Template(C10_ARRAY_REF, C10_SYMINT)),
        /**
         * {@code c10::OptionalArrayRef<int64_t>} by value: an optional {@code ArrayRef},
         * {@code {const int64_t*, size_t, bool engaged}}; 24 bytes, so passed in memory.
         */
        OPTIONAL_INT_ARRAY(3, new Template(new Named("c10", "OptionalArrayRef"), new Builtin("l"))),
        /** {@code std::optional<int64_t>} by value: {@code {int64_t, bool engaged}}. */
        OPTIONAL_INT(2, new Template(STD_OPTIONAL, new Builtin("l"))),
        /** {@code std::optional<c10::ScalarType>} by value: {@code {int8_t, bool engaged}} in one eightbyte. */
        OPTIONAL_SCALAR_TYPE(1, new Template(STD_OPTIONAL, new Named("c10", "ScalarType"))),
        /** {@code std::optional<c10::MemoryFormat>} by value: as above. */
        OPTIONAL_MEMORY_FORMAT(1, new Template(STD_OPTIONAL, new Named("c10", "MemoryFormat")));

        final int eightbytes;
        final Type cxxType;

        Carrier(int eightbytes, Type cxxType) {
            this.eightbytes = eightbytes;
            this.cxxType = cxxType;
        }

        /** The carrier for a schema type, empty when it has none. */
        static Optional<Carrier> of(SchemaType type) {
            String spelling = type.spelling().replace(" ", "");
            if (spelling.contains("!")) {
                return Optional.empty(); // a mutable tensor: at::Tensor&, not covered
            }
            String bare = spelling.replaceAll("\\([^)]*\\)", "").replaceAll("\\[\\d+]", "[]");
            return Optional.ofNullable(switch (bare) {
                case "Tensor" -> TENSOR;
                case "Tensor?" -> OPTIONAL_TENSOR;
                case "int" -> INT;
                case "bool" -> BOOL;
                case "SymInt" -> SYMINT;
                case "int[]" -> INT_ARRAY;
                case "int[]?" -> OPTIONAL_INT_ARRAY;
                case "SymInt[]" -> SYMINT_ARRAY;
                case "int?" -> OPTIONAL_INT;
                case "ScalarType?" -> OPTIONAL_SCALAR_TYPE;
                case "MemoryFormat?" -> OPTIONAL_MEMORY_FORMAT;
                default -> null;
            });
        }
    }

    /** How the result comes back through the hidden result pointer. */
    enum Result {
        /** {@code at::Tensor}. */
        TENSOR,
        /** {@code std::tuple<at::Tensor, at::Tensor>}. */
        TENSOR_PAIR,
        /** {@code std::vector<at::Tensor>}: {@code {begin, end, capacity end}}. */
        TENSOR_VECTOR;

        static Optional<Result> of(List<SchemaType> returns) {
            List<String> bare = returns.stream().map(t -> t.spelling().replaceAll("\\([^)]*\\)", "").strip()).toList();
            if (bare.equals(List.of("Tensor"))) {
                return Optional.of(TENSOR);
            }
            if (bare.equals(List.of("Tensor", "Tensor"))) {
                return Optional.of(TENSOR_PAIR);
            }
            return bare.equals(List.of("Tensor[]")) ? Optional.of(TENSOR_VECTOR) : Optional.empty();
        }
    }

    final String symbol;
    final List<Carrier> carriers;
    final Result result;
    private final MethodHandle invoker;

    private UnboxedEntry(String symbol, List<Carrier> carriers, Result result, MethodHandle invoker) {
        this.symbol = symbol;
        this.carriers = carriers;
        this.result = result;
        this.invoker = invoker;
    }

    /** The mangled name of {@code schema}'s unboxed entry point, or a reason there is none. */
    static Binding bind(OpSchema schema) {
        if (!schema.name().startsWith("aten::")) {
            return Binding.refused("only aten ops have unboxed entry points");
        }
        List<Carrier> carriers = new ArrayList<>();
        for (OpSchema.Argument argument : schema.arguments()) {
            Optional<Carrier> carrier = Carrier.of(argument.type());
            if (carrier.isEmpty()) {
                return Binding.refused("argument '" + argument.type() + " " + argument.name() + "' has no unboxed layout here");
            }
            carriers.add(carrier.get());
        }
        Optional<Result> result = Result.of(schema.returns());
        if (result.isEmpty()) {
            return Binding.refused("returns " + schema.returns() + ", which the unboxed path does not decode");
        }
        String struct = schema.name().substring("aten::".length()) + (schema.overload().isEmpty() ? "" : "_" + schema.overload());
        String symbol = ItaniumMangling.function(List.of("at", "_ops", struct, "call"),
                carriers.stream().map(c -> c.cxxType).toList());
        Optional<MemorySegment> address = LibTorch.symbols().find(symbol);
        if (address.isEmpty()) {
            return Binding.refused("libtorch does not export " + symbol);
        }
        return new Binding(new UnboxedEntry(symbol, List.copyOf(carriers), result.get(), invoker(address.get(), carriers)), null);
    }

    /** The carriers and result kind {@code schema} would be called with (those it has layouts for). */
    static List<Object> layoutsOf(OpSchema schema) {
        List<Object> layouts = new ArrayList<>();
        schema.arguments().forEach(argument -> Carrier.of(argument.type()).ifPresent(layouts::add));
        Result.of(schema.returns()).ifPresent(layouts::add);
        return layouts;
    }

    /** An entry point, or why there is none. */
    record Binding(UnboxedEntry entry, String refusal) {
        static Binding refused(String reason) {
            return new Binding(null, reason);
        }
    }

    // ---- Calling ----

    /**
     * Writes the call's arguments into {@code buffer}; false when a value cannot be passed this
     * way (a SymInt outside the inline range, arrays too long for the buffer), and the call must
     * take the boxed path.
     */
    boolean marshal(OpCall.Values call, MemorySegment buffer) {
        long base = buffer.address();
        long data = SLOT * (carriers.size() + 1);
        long resultBytes = switch (result) {
            case TENSOR -> 0;
            case TENSOR_PAIR -> 16;
            case TENSOR_VECTOR -> 24;
        };
        buffer.set(LONG, 0, resultBytes == 0 ? 0 : base + data);
        data += resultBytes;
        for (int i = 0; i < carriers.size(); i++) {
            long slot = SLOT * (i + 1);
            boolean present = call.present(i);
            switch (carriers.get(i)) {
                case TENSOR -> buffer.set(LONG, slot, call.handle(i).checkedAddress());
                case OPTIONAL_TENSOR -> {
                    long impl = present ? CxxAbi.MEMORY.get(LONG, call.handle(i).checkedAddress()) : 0;
                    buffer.set(LONG, data, impl);
                    buffer.set(LONG, data + 8, present ? 1 : 0);
                    buffer.set(LONG, slot, base + data);
                    data += 16;
                }
                case INT -> buffer.set(LONG, slot, call.int64(i));
                case BOOL -> buffer.set(LONG, slot, call.int64(i) != 0 ? 1 : 0);
                case SYMINT -> {
                    long value = call.int64(i);
                    if (value < Preconditions.MIN_INLINE_SYMINT) {
                        return false;
                    }
                    buffer.set(LONG, data, value);
                    buffer.set(LONG, slot, base + data);
                    data += 8;
                }
                case INT_ARRAY, SYMINT_ARRAY, OPTIONAL_INT_ARRAY -> {
                    long[] values = present ? call.ints(i) : NO_VALUES;
                    if (data + values.length * 8L > BUFFER_BYTES) {
                        return false;
                    }
                    for (int k = 0; k < values.length; k++) {
                        if (carriers.get(i) == Carrier.SYMINT_ARRAY && values[k] < Preconditions.MIN_INLINE_SYMINT) {
                            return false;
                        }
                        buffer.set(LONG, data + 8L * k, values[k]);
                    }
                    buffer.set(LONG, slot, base + data);
                    buffer.set(LONG, slot + 8, values.length);
                    buffer.set(LONG, slot + 16, present ? 1 : 0);
                    data += values.length * 8L;
                }
                case OPTIONAL_INT -> {
                    buffer.set(LONG, slot, present ? call.int64(i) : 0);
                    buffer.set(LONG, slot + 8, present ? 1 : 0);
                }
                case OPTIONAL_SCALAR_TYPE, OPTIONAL_MEMORY_FORMAT ->
                        buffer.set(LONG, slot, present ? (call.int64(i) & 0xFF) | 0x100 : 0);
            }
        }
        return true;
    }

    /** Calls the entry point with the marshalled {@code buffer}; returns the results as new handles. */
    TensorHandle[] invoke(MemorySegment buffer) {
        if (result == Result.TENSOR) {
            buffer.set(LONG, 0, CxxAbi.operatorNew(8));
        }
        long out;
        try {
            out = (long) invoker.invokeExact(buffer);
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
        MemorySegment memory = CxxAbi.MEMORY;
        return switch (result) {
            case TENSOR -> new TensorHandle[] {TensorHandle.adopt(out)};
            // libstdc++ lays a tuple out last element first (checked by LayoutProbes)
            case TENSOR_PAIR -> new TensorHandle[] {moveToHandle(out + 8), moveToHandle(out)};
            case TENSOR_VECTOR -> {
                long begin = memory.get(LONG, out);
                int size = Math.toIntExact((memory.get(LONG, out + 8) - begin) / 8);
                TensorHandle[] tensors = new TensorHandle[size];
                for (int k = 0; k < size; k++) {
                    tensors[k] = moveToHandle(begin + 8L * k);
                }
                if (begin != 0) {
                    CxxAbi.operatorDelete(MemorySegment.ofAddress(begin));
                }
                yield tensors;
            }
        };
    }

    /** Moves the {@code at::Tensor} at {@code address} (one TensorImpl pointer) into a new heap handle. */
    private static TensorHandle moveToHandle(long address) {
        long handle = CxxAbi.operatorNew(8);
        CxxAbi.MEMORY.set(LONG, handle, CxxAbi.MEMORY.get(LONG, address));
        return TensorHandle.adopt(handle);
    }

    // ---- The adapted downcall ----

    /**
     * {@code (MemorySegment buffer) -> long}: reads the result pointer and each argument from its
     * slot. Pointers and integers travel as longs (the same INTEGER class as a pointer, and no
     * Java object per argument). A two-eightbyte struct travels as two longs when two integer
     * registers are left for it, which is exactly how the ABI passes it; otherwise, and for a
     * larger struct, the whole struct goes on the stack, and is described as a struct so that the
     * linker puts it there.
     */
    private static MethodHandle invoker(MemorySegment address, List<Carrier> carriers) {
        List<MemoryLayout> layouts = new ArrayList<>();
        List<MethodHandle> readers = new ArrayList<>();
        layouts.add(LONG);
        readers.add(longAt(0));
        int registersUsed = 1;
        for (int i = 0; i < carriers.size(); i++) {
            long slot = SLOT * (i + 1);
            if (carriers.get(i).eightbytes == 1) {
                layouts.add(LONG);
                readers.add(longAt(slot));
                registersUsed++;
            } else if (carriers.get(i).eightbytes == 2 && registersUsed + 2 <= INTEGER_REGISTERS) {
                layouts.add(LONG);
                readers.add(longAt(slot));
                layouts.add(LONG);
                readers.add(longAt(slot + 8));
                registersUsed += 2;
            } else {
                int eightbytes = carriers.get(i).eightbytes;
                layouts.add(MemoryLayout.structLayout(java.util.Collections.nCopies(eightbytes, LONG)
                        .toArray(MemoryLayout[]::new)));
                readers.add(sliceAt(slot, eightbytes * 8L));
            }
        }
        MethodHandle downcall = Linker.nativeLinker().downcallHandle(address,
                FunctionDescriptor.of(LONG, layouts.toArray(MemoryLayout[]::new)));
        MethodHandle filtered = MethodHandles.filterArguments(downcall, 0, readers.toArray(MethodHandle[]::new));
        return MethodHandles.permuteArguments(filtered, MethodType.methodType(long.class, MemorySegment.class),
                new int[readers.size()]);
    }

    private static MethodHandle longAt(long offset) {
        return MethodHandles.insertArguments(LONG.varHandle().toMethodHandle(VarHandle.AccessMode.GET), 1, offset);
    }

    private static MethodHandle sliceAt(long offset, long bytes) {
        try {
            MethodHandle slice = MethodHandles.lookup().findVirtual(MemorySegment.class, "asSlice",
                    MethodType.methodType(MemorySegment.class, long.class, long.class));
            return MethodHandles.insertArguments(slice, 1, offset, bytes);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
