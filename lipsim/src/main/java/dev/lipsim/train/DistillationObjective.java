package dev.lipsim.train;

import dev.lipsim.data.ImageBatches;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.nn.Losses;
import dev.lipsim.teacher.Teacher;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;

/**
 * The paper's step 1: the student's features of both views regress onto the teacher's
 * embedding of view 0. The loss is the mean of the two views' RMSE (each over the batch and the
 * dimensions), or their sum as in the reference's earlier version. No unit-ball projection.
 */
public final class DistillationObjective implements Objective<TwoViews> {

    private final LipSimModel student;
    private final Teacher teacher;
    private final boolean summed;
    private final Device device;

    public DistillationObjective(LipSimModel student, Teacher teacher, boolean summed, Device device) {
        if (student.config().embeddingDim() != teacher.dimension()) {
            throw new IllegalArgumentException("the student's embeddings have " + student.config().embeddingDim()
                    + " dimensions, the teacher '" + teacher.name() + "' gives " + teacher.dimension());
        }
        this.student = student;
        this.teacher = teacher;
        this.summed = summed;
        this.device = device;
    }

    @Override
    public Tensor loss(ImageBatches.Batch<TwoViews> batch) {
        int count = batch.items().size();
        try (var scope = TensorScope.open()) {
            Tensor targets = teacher.embed(batch.items().stream().map(TwoViews::teacherView).toList(), batch.role(0))
                    .to(device);
            Tensor features = student.forward(batch.images().to(device));
            Tensor first = Losses.rmse(features.narrow(0, 0, count), targets);
            Tensor second = Losses.rmse(features.narrow(0, count, count), targets);
            Tensor total = first.add(second);
            return scope.keep(summed ? total : total.mul(0.5));
        }
    }
}
