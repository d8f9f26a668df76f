package dev.lipsim.nn;

import dev.lipsim.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Modules applied in order; children are named {@code 0, 1, 2, ...}. */
public final class Sequential extends Module {

    private final List<Module> layers = new ArrayList<>();

    public Sequential(Module... layers) {
        this(List.of(layers));
    }

    public Sequential(List<? extends Module> layers) {
        for (Module layer : layers) {
            this.layers.add(child(Integer.toString(this.layers.size()), layer));
        }
    }

    @Override
    protected Tensor compute(Tensor input) {
        return chain(input, layers);
    }

    public Module get(int index) {
        return layers.get(index);
    }

    public int size() {
        return layers.size();
    }

    public List<Module> layers() {
        return List.copyOf(layers);
    }
}
