package dev.lipsim.bindings;

import java.util.ArrayList;
import java.util.List;

/**
 * The Itanium C++ ABI's mangled name of a function with the parameter types that libtorch's
 * unboxed operator entry points use, e.g. {@code at::_ops::mul_Tensor::call(const at::Tensor&,
 * const at::Tensor&)} is {@code _ZN2at4_ops10mul_Tensor4callERKNS_6TensorES4_}. Only what those
 * signatures need is covered: namespaced and {@code std::} class names, class templates,
 * {@code const}, lvalue references, builtin types, and the substitutions ({@code S_},
 * {@code S0_}, ...) that stand for a name or type seen before.
 */
final class ItaniumMangling {

    /** A C++ type as far as mangling needs it. */
    sealed interface Type permits Builtin, Named, Template, Const, Reference {}

    /** A builtin type by its one-letter code: {@code l} long, {@code b} bool, {@code d} double. */
    record Builtin(String code) implements Type {}

    /** A class or enum by its qualified path, e.g. {@code [at, Tensor]} or {@code [std, optional]}. */
    record Named(List<String> path) implements Type {
        Named(String... path) {
            this(List.of(path));
        }
    }

    /** A class template specialisation, e.g. {@code c10::ArrayRef<long>}. */
    record Template(Named name, List<Type> arguments) implements Type {
        Template(Named name, Type... arguments) {
            this(name, List.of(arguments));
        }
    }

    record Const(Type type) implements Type {}

    record Reference(Type type) implements Type {}

    /** Everything that may be substituted, in order of first appearance. */
    private final List<Object> candidates = new ArrayList<>();
    private final StringBuilder out = new StringBuilder("_Z");

    private ItaniumMangling() {}

    /** The mangled name of the free function or static member {@code path(parameters)}. */
    static String function(List<String> path, List<Type> parameters) {
        ItaniumMangling mangling = new ItaniumMangling();
        mangling.out.append('N');
        mangling.prefix(path.subList(0, path.size() - 1));
        mangling.out.append(source(path.getLast())).append('E');
        if (parameters.isEmpty()) {
            mangling.out.append('v');
        }
        for (Type parameter : parameters) {
            mangling.type(parameter);
        }
        return mangling.out.toString();
    }

    private void type(Type type) {
        if (!(type instanceof Builtin) && substitute(type)) {
            return;
        }
        switch (type) {
            case Builtin builtin -> out.append(builtin.code());
            case Named named -> name(named, List.of());
            case Template template -> {
                name(template.name(), template.arguments());
                candidates.add(template);
            }
            case Const constant -> {
                out.append('K');
                type(constant.type());
                candidates.add(constant);
            }
            case Reference reference -> {
                out.append('R');
                type(reference.type());
                candidates.add(reference);
            }
        }
    }

    /** A class name, followed by the template arguments when it names a specialisation. */
    private void name(Named named, List<Type> templateArguments) {
        boolean unscopedStd = named.path().size() == 2 && named.path().getFirst().equals("std");
        if (unscopedStd) {
            if (!substitute(named)) {
                out.append("St").append(source(named.path().get(1)));
                candidates.add(named);
            }
        } else {
            out.append('N');
            prefix(named.path());
        }
        if (!templateArguments.isEmpty()) {
            out.append('I');
            templateArguments.forEach(this::type);
            out.append('E');
        }
        if (!unscopedStd) {
            out.append('E');
        }
    }

    /** Emits a nested-name prefix: the longest part seen before as a substitution, then the rest. */
    private void prefix(List<String> path) {
        int known = 0;
        for (int length = path.size(); length > 0; length--) {
            if (candidates.contains(new Named(path.subList(0, length)))) {
                known = length;
                break;
            }
        }
        if (known > 0) {
            out.append(substitution(candidates.indexOf(new Named(path.subList(0, known)))));
        }
        for (int length = known + 1; length <= path.size(); length++) {
            out.append(source(path.get(length - 1)));
            candidates.add(new Named(List.copyOf(path.subList(0, length))));
        }
    }

    private boolean substitute(Object entity) {
        int index = candidates.indexOf(entity);
        if (index >= 0) {
            out.append(substitution(index));
        }
        return index >= 0;
    }

    /** {@code S_} for the first candidate, then {@code S0_}, {@code S1_}, ... in base 36. */
    static String substitution(int index) {
        return index == 0 ? "S_" : "S" + Integer.toString(index - 1, 36).toUpperCase() + "_";
    }

    private static String source(String identifier) {
        return identifier.length() + identifier;
    }
}
