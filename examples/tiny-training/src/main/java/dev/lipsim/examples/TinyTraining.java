package dev.lipsim.examples;

import dev.lipsim.nn.Layers;
import dev.lipsim.nn.Linear;
import dev.lipsim.nn.Sequential;
import dev.lipsim.nn.optim.Adam;
import dev.lipsim.nn.optim.Optimizer;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;

/**
 * Trains a two-layer network to tell which quadrant pairs a point lies in (XOR of the signs of
 * its coordinates), which no linear model can, and exits with status 1 unless it learns it.
 */
public final class TinyTraining {

    public static void main(String[] args) {
        Generator generator = new Generator(42);
        try (var model = new Sequential(new Linear(2, 32, true, generator), Layers.relu(), new Linear(32, 2, true, generator));
                Optimizer optimizer = Adam.adam(model.parameters(), 0.01, 0.9, 0.999, 1e-8, 0);
                var data = TensorScope.open()) {
            Tensor points = Tensor.rand(generator, new long[] {512, 2}, DType.FLOAT32, Device.CPU).mul(2).sub(1);
            Tensor labels = points.select(1, 0).mul(points.select(1, 1)).lt(0).to(DType.INT64); // 1 where the signs differ
            Tensor onehot = Tensor.eye(2).indexSelect(0, labels);
            for (int step = 1; step <= 300; step++) {
                try (var scope = TensorScope.open()) { // every temporary of the step is freed here
                    Tensor loss = model.forward(points).logSoftmax(1).mul(onehot).sum(1, false).mean().neg();
                    optimizer.zeroGrad();
                    loss.backward();
                    optimizer.step();
                    if (step % 50 == 0) {
                        System.out.printf("step %d: cross-entropy %.4f%n", step, loss.item());
                    }
                }
            }
            double accuracy;
            try (var scope = TensorScope.open()) {
                accuracy = model.forward(points).argmax(1, false).eq(labels).to(DType.FLOAT32).mean().item();
            }
            System.out.printf("training accuracy %.3f%n", accuracy);
            if (accuracy < 0.95) {
                System.exit(1);
            }
        }
    }
}
