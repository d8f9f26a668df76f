package dev.lipsim.nn;

import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A layer or model: a tree of named child modules and {@link Parameter}s, as in PyTorch. Names
 * are dotted paths in registration order ({@code convs.3.kernel}).
 *
 * <p>A module owns its parameters and frees them when closed; they are taken out of any
 * {@link TensorScope}, so a module can be built inside one.
 *
 * <p>Ownership in {@link #forward}: the caller owns the input and the output; everything else
 * the module creates is freed before {@code forward} returns. Subclasses implement
 * {@link #compute}, which runs in a scope of its own, and compose children with
 * {@link #chain}, which frees each inner output as soon as the next layer has consumed it.
 * Freeing is safe under training too: autograd holds its own references to what backward needs.
 */
public abstract class Module implements AutoCloseable {

    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private final List<Derived> cached = new ArrayList<>();
    private boolean training = true;

    /**
     * The module's output for {@code input}. Tensors made on the way are freed before it returns,
     * so peak memory is that of the deepest live intermediate, not the sum of all of them.
     */
    public final Tensor forward(Tensor input) {
        try (var scope = TensorScope.open()) {
            Tensor output = compute(input);
            return scope.owns(output) ? scope.keep(output) : output;
        }
    }

    /**
     * Computes the output. Runs inside a scope that frees whatever it creates except the result;
     * free large intermediates earlier where they die earlier (see {@link #chain}).
     */
    protected abstract Tensor compute(Tensor input);

    /**
     * Applies {@code layers} in order, freeing each intermediate output once the next layer has
     * consumed it (never {@code input}, which the caller owns).
     */
    protected static Tensor chain(Tensor input, List<? extends Module> layers) {
        Tensor x = input;
        for (Module layer : layers) {
            Tensor next = layer.forward(x);
            if (x != input && next != x) {
                x.close();
            }
            x = next;
        }
        return x;
    }

    /** Registers a trainable parameter (it is made to require grad). */
    protected final Parameter parameter(String name, Tensor value) {
        return register(name, new Parameter(value, true));
    }

    /** Registers a buffer: saved and moved with the module, not trained. */
    protected final Parameter buffer(String name, Tensor value) {
        return register(name, new Parameter(value, false));
    }

    /** Registers a child module. */
    protected final <M extends Module> M child(String name, M module) {
        requireNewName(name);
        children.put(name, module);
        return module;
    }

    /** Registers a tensor computed from {@code sources}, cached between forward passes (see {@link Derived}). */
    protected final Derived derived(Supplier<Tensor> computation, Parameter... sources) {
        Derived value = new Derived(computation, List.of(sources));
        cached.add(value);
        return value;
    }

    private Parameter register(String name, Parameter parameter) {
        requireNewName(name);
        parameters.put(name, parameter);
        return parameter;
    }

    private void requireNewName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("invalid name '" + name + "': it must be non-empty without dots");
        }
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("'" + name + "' is already registered in " + getClass().getSimpleName());
        }
    }

    // ---- Mode ----

    /** Training mode (the default): layers such as dropout behave as in training. */
    public Module train() {
        return setTraining(true);
    }

    /** Evaluation mode. */
    public Module eval() {
        return setTraining(false);
    }

    private Module setTraining(boolean value) {
        training = value;
        children.values().forEach(child -> child.setTraining(value));
        return this;
    }

    public boolean isTraining() {
        return training;
    }

    // ---- The tree ----

    /** Direct children, by name. */
    public Map<String, Module> children() {
        return Map.copyOf(children);
    }

    /** Every trainable parameter, depth-first in registration order. */
    public List<Parameter> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Every trainable parameter by dotted name. */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> named = new LinkedHashMap<>();
        collect("", named, true);
        return named;
    }

    /** Parameters and buffers by dotted name: the live tensors, not copies. */
    public Map<String, Tensor> stateDict() {
        Map<String, Parameter> all = new LinkedHashMap<>();
        collect("", all, false);
        Map<String, Tensor> state = new LinkedHashMap<>();
        all.forEach((name, parameter) -> state.put(name, parameter.value()));
        return state;
    }

    private void collect(String prefix, Map<String, Parameter> out, boolean trainableOnly) {
        parameters.forEach((name, parameter) -> {
            if (!trainableOnly || parameter.isTrainable()) {
                out.put(prefix + name, parameter);
            }
        });
        children.forEach((name, child) -> child.collect(prefix + name + ".", out, trainableOnly));
    }

    /** Number of trainable values. */
    public long parameterCount() {
        return parameters().stream().mapToLong(p -> p.value().numel()).sum();
    }

    // ---- State ----

    /** What a non-strict {@link #loadStateDict(Map, boolean)} could not match. */
    public record LoadResult(List<String> missing, List<String> unexpected) {}

    /** Loads values strictly: every key must match a parameter or buffer of the same shape. */
    public void loadStateDict(Map<String, Tensor> state) {
        loadStateDict(state, true);
    }

    /**
     * Copies {@code state}'s values into this module's parameters and buffers (converting dtype
     * and device). Shape mismatches always fail; with {@code strict}, missing and unexpected keys
     * fail too. A failure names every offending key and changes nothing.
     */
    public LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Parameter> own = new LinkedHashMap<>();
        collect("", own, false);
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (var entry : own.entrySet()) {
            Tensor source = state.get(entry.getKey());
            if (source == null) {
                missing.add(entry.getKey());
            } else if (!Arrays.equals(source.shape(), entry.getValue().value().shape())) {
                mismatched.add(entry.getKey() + " (checkpoint " + Arrays.toString(source.shape()) + ", model "
                        + Arrays.toString(entry.getValue().value().shape()) + ")");
            }
        }
        Set<String> unexpected = new LinkedHashSet<>(state.keySet());
        unexpected.removeAll(own.keySet());
        boolean fails = !mismatched.isEmpty() || (strict && (!missing.isEmpty() || !unexpected.isEmpty()));
        if (fails) {
            StringBuilder message = new StringBuilder("cannot load the state dict into " + getClass().getSimpleName() + ":");
            if (!mismatched.isEmpty()) {
                message.append(" shape mismatch for ").append(String.join(", ", mismatched)).append(';');
            }
            if (strict && !missing.isEmpty()) {
                message.append(" missing keys ").append(missing).append(';');
            }
            if (strict && !unexpected.isEmpty()) {
                message.append(" unexpected keys ").append(unexpected).append(';');
            }
            throw new IllegalArgumentException(message.substring(0, message.length() - 1));
        }
        try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            for (var entry : own.entrySet()) {
                Tensor source = state.get(entry.getKey());
                if (source != null) {
                    entry.getValue().value().copy_(source);
                }
            }
        }
        return new LoadResult(List.copyOf(missing), List.copyOf(unexpected));
    }

    /** Writes the state dict to a safetensors file (atomically), with {@code metadata}. */
    public void save(Path file, Map<String, String> metadata) throws IOException {
        SafeTensors.write(file, stateDict(), metadata);
    }

    /** Loads a safetensors file written by {@link #save} strictly; returns its metadata. */
    public Map<String, String> load(Path file) throws IOException {
        try (var scope = TensorScope.open()) {
            SafeTensors.Contents contents = SafeTensors.read(file);
            try {
                loadStateDict(contents.tensors());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
            return contents.metadata();
        }
    }

    // ---- Devices, dtypes, gradients, release ----

    /** Moves every parameter and buffer to {@code device} (those already there stay as they are). */
    public Module to(Device device) {
        return convert(tensor -> tensor.device().equals(device) ? null : tensor.to(device));
    }

    /** Converts floating parameters and buffers to {@code dtype} (integer buffers are kept). */
    public Module to(DType dtype) {
        return convert(tensor -> tensor.dtype().isFloatingPoint() && tensor.dtype() != dtype ? tensor.to(dtype) : null);
    }

    /** Replaces each parameter by its conversion; a null conversion leaves it alone. */
    private Module convert(UnaryOperator<Tensor> conversion) {
        Map<String, Parameter> all = new LinkedHashMap<>();
        collect("", all, false);
        try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            for (Parameter parameter : all.values()) {
                Tensor converted = conversion.apply(parameter.value().detach());
                if (converted != null) {
                    parameter.replace(scope.keep(converted.clone()));
                }
            }
        }
        return this;
    }

    /**
     * Makes every trainable parameter record gradients, or stop ({@code false}: a frozen model,
     * e.g. while attacking its input; cached {@link Derived} values are then used under grad mode).
     */
    public Module requiresGrad(boolean requiresGrad) {
        parameters().forEach(p -> p.value().requiresGrad(requiresGrad));
        return this;
    }

    /**
     * Holds the model constant until the returned guard is closed: the parameters that record
     * gradients stop (so backward reaches only the input, and cached {@link Derived} values are
     * reused), and are restored on close. Guards nest.
     */
    public Frozen frozen() {
        return new Frozen(parameters().stream().map(Parameter::value).filter(Tensor::requiresGrad).toList());
    }

    /** See {@link #frozen}. */
    public static final class Frozen implements AutoCloseable {

        private final List<Tensor> recording;

        private Frozen(List<Tensor> recording) {
            this.recording = recording;
            recording.forEach(value -> value.requiresGrad(false));
        }

        @Override
        public void close() {
            recording.forEach(value -> value.requiresGrad(true));
        }
    }

    /** Removes every parameter's gradient (PyTorch's {@code zero_grad(set_to_none=True)}). */
    public void zeroGrad() {
        parameters().forEach(p -> p.value().clearGrad());
    }

    /** Frees every parameter, buffer and cached value, children included. */
    @Override
    public void close() {
        cached.forEach(Derived::close);
        parameters.values().forEach(Parameter::close);
        children.values().forEach(Module::close);
    }
}
