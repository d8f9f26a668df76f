package dev.lipsim.nn;

import dev.lipsim.tensor.Tensor;
import java.util.function.UnaryOperator;

/** Modules without parameters: activations, flattening, pooling. */
public final class Layers {

    private Layers() {}

    /** A module computing {@code function} of its input. */
    private static final class Function extends Module {
        private final String name;
        private final UnaryOperator<Tensor> function;

        Function(String name, UnaryOperator<Tensor> function) {
            this.name = name;
            this.function = function;
        }

        @Override
        protected Tensor compute(Tensor input) {
            return function.apply(input);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    public static Module relu() {
        return new Function("ReLU", Tensor::relu);
    }

    public static Module gelu() {
        return new Function("GELU", Tensor::gelu);
    }

    /** Flattens every dimension after the batch dimension. */
    public static Module flatten() {
        return new Function("Flatten", x -> x.flatten(1, -1));
    }

    /** Average pooling; {@code divisorOverride} (or null) divides each window's sum instead of its size. */
    public static Module avgPool2d(int kernel, int stride, Integer divisorOverride) {
        return new Function("AvgPool2d", x -> x.avgPool2d(new int[] {kernel, kernel}, new int[] {stride, stride},
                new int[] {0, 0}, false, true, divisorOverride));
    }

    public static Module maxPool2d(int kernel, int stride) {
        return new Function("MaxPool2d", x -> x.maxPool2d(kernel, stride));
    }
}
