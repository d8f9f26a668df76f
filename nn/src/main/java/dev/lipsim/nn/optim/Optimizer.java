package dev.lipsim.nn.optim;

import dev.lipsim.nn.Parameter;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters from their gradients. {@link #step()} runs without gradient recording and
 * skips parameters that have no gradient. State (momentum buffers, moment estimates, step
 * counts) is kept per parameter, owned by the optimizer, and can be saved and restored with a
 * checkpoint ({@link #stateDict()}, {@link #loadStateDict}); create the optimizer after moving
 * the model to its device.
 */
public abstract class Optimizer implements AutoCloseable {

    private final List<Parameter> parameters;
    private final List<Map<String, Tensor>> states = new ArrayList<>();
    private double learningRate;

    protected Optimizer(List<Parameter> parameters, double learningRate) {
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException("an optimizer needs at least one parameter");
        }
        for (Parameter parameter : parameters) {
            if (!parameter.isTrainable()) {
                throw new IllegalArgumentException("buffers cannot be optimized");
            }
            states.add(new HashMap<>());
        }
        this.parameters = List.copyOf(parameters);
        setLearningRate(learningRate);
    }

    /** One update of every parameter that has a gradient. */
    public final void step() {
        try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            for (int i = 0; i < parameters.size(); i++) {
                Tensor param = parameters.get(i).value();
                Tensor grad = param.grad();
                if (grad != null) {
                    followDevice(states.get(i), param.device());
                    update(param, grad, states.get(i));
                }
            }
        }
    }

    /** A module moved to another device takes its optimizer with it: the state follows its parameter on the next step. */
    private static void followDevice(Map<String, Tensor> state, Device device) {
        for (var entry : state.entrySet()) {
            Tensor value = entry.getValue();
            if (value.dim() > 0 && !value.device().equals(device)) { // scalars such as the step count stay on the CPU
                entry.setValue(TensorScope.release(value.to(device).clone()));
                value.close();
            }
        }
    }

    /** Updates {@code param} in place from {@code grad}; {@code state} is this parameter's state. */
    protected abstract void update(Tensor param, Tensor grad, Map<String, Tensor> state);

    /** The state tensor {@code name} of a parameter, created from {@code initial} on first use. */
    protected static Tensor state(Map<String, Tensor> state, String name, java.util.function.Supplier<Tensor> initial) {
        return state.computeIfAbsent(name, key -> TensorScope.release(initial.get()));
    }

    /** A step counter kept as a 0-dim int64 tensor (so it is saved with the state); returns the new count. */
    protected static long incrementStep(Map<String, Tensor> state) {
        Tensor step = state(state, "step", () -> Tensor.scalar(0L));
        long next = step.itemLong() + 1;
        step.fill_(next);
        return next;
    }

    /** Removes all gradients of the optimized parameters. */
    public void zeroGrad() {
        parameters.forEach(p -> p.value().clearGrad());
    }

    public double learningRate() {
        return learningRate;
    }

    public void setLearningRate(double learningRate) {
        if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + learningRate);
        }
        this.learningRate = learningRate;
    }

    public List<Parameter> parameters() {
        return parameters;
    }

    /** State tensors named {@code <parameter index>.<state name>} (live tensors, not copies). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> dict = new LinkedHashMap<>();
        for (int i = 0; i < states.size(); i++) {
            for (var entry : states.get(i).entrySet()) {
                dict.put(i + "." + entry.getKey(), entry.getValue());
            }
        }
        return dict;
    }

    /** Replaces the state with copies of {@code dict}'s tensors, on each parameter's device. */
    public void loadStateDict(Map<String, Tensor> dict) {
        List<Map<String, Tensor>> loaded = new ArrayList<>();
        for (int i = 0; i < parameters.size(); i++) {
            loaded.add(new HashMap<>());
        }
        try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            for (var entry : dict.entrySet()) {
                String key = entry.getKey();
                int dot = key.indexOf('.');
                int index = dot > 0 ? parseIndex(key.substring(0, dot)) : -1;
                if (index < 0 || index >= parameters.size()) {
                    throw new IllegalArgumentException("optimizer state key '" + key + "' names no parameter of this optimizer ("
                            + parameters.size() + " parameters)");
                }
                Tensor copy = entry.getValue().to(parameters.get(index).value().device()).clone();
                loaded.get(index).put(key.substring(dot + 1), scope.keep(copy));
            }
        }
        close();
        for (int i = 0; i < states.size(); i++) {
            for (Tensor tensor : loaded.get(i).values()) {
                TensorScope.release(tensor);
            }
            states.get(i).putAll(loaded.get(i));
        }
    }

    private static int parseIndex(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Frees the state tensors. */
    @Override
    public void close() {
        for (Map<String, Tensor> state : states) {
            state.values().forEach(Tensor::close);
            state.clear();
        }
    }
}
