package dev.lipsim.teacher;

import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;

/**
 * A built-in teacher for trying the distillation pipeline without downloading anything: mean
 * colour and mean edge strength (absolute horizontal plus vertical differences) per channel on
 * 1x1, 2x2 and 4x4 grids, 126 numbers per image, normalised like the ensemble's embeddings.
 * Deterministic and cheap; it knows nothing about perception, so a student distilled from it is
 * a demonstration, not a metric.
 */
public final class DemoTeacher implements Teacher {

    private static final int[] GRIDS = {1, 2, 4};
    /** 3 channels x (1 + 4 + 16) cells x (colour, edges). */
    public static final int DIMENSION = 126;

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }

    @Override
    public Tensor embed(List<View> views, Tensor images) {
        try (var noGrad = Autograd.noGrad(); var scope = TensorScope.open()) {
            Tensor x = images.to(Device.CPU);
            long height = x.size(2);
            long width = x.size(3);
            Tensor dx = x.narrow(3, 1, width - 1).sub(x.narrow(3, 0, width - 1)).abs();
            Tensor dy = x.narrow(2, 1, height - 1).sub(x.narrow(2, 0, height - 1)).abs();
            List<Tensor> parts = new ArrayList<>();
            for (int grid : GRIDS) {
                parts.add(x.adaptiveAvgPool2d(grid, grid).flatten(1, -1));
                parts.add(dx.adaptiveAvgPool2d(grid, grid).add(dy.adaptiveAvgPool2d(grid, grid)).flatten(1, -1));
            }
            return scope.keep(Teacher.normalise(Tensor.cat(parts, 1)));
        }
    }
}
