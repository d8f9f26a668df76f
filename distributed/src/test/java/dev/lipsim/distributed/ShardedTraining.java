package dev.lipsim.distributed;

import dev.lipsim.nn.Layers;
import dev.lipsim.nn.Linear;
import dev.lipsim.nn.Module;
import dev.lipsim.nn.Sequential;
import dev.lipsim.nn.optim.Optimizer;
import dev.lipsim.nn.optim.Sgd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.nio.file.Path;
import java.util.Map;

/**
 * A small regression trained for a few SGD steps, the same in every mode: {@code single OUT}
 * trains on whole batches of 8 in one process; under {@code mpirun -np 2 ... ranks OUT} each rank
 * trains on its half of every batch (rank r takes samples r, r + 2, ...), starting from a
 * different initialisation that the broadcast must replace, with gradients averaged. Rank 0 (or
 * the single process) saves the weights to OUT. A third argument {@code cuda} trains on CUDA
 * device 0, with the ranks' gradients over NCCL.
 */
public final class ShardedTraining {

    static final int STEPS = 5;
    static final int BATCH = 8;

    public static void main(String[] args) throws Exception {
        boolean ranks = args[0].equals("ranks");
        Mpi mpi = ranks ? Mpi.init() : null;
        int rank = ranks ? mpi.rank() : 0;
        int size = ranks ? mpi.size() : 1;
        Device device = args.length > 2 ? Device.parse(args[2]) : Device.CPU;
        Generator data = new Generator(99);
        try (var scope = TensorScope.open();
                Module model = new Sequential(new Linear(6, 16, true, new Generator(1 + rank)), Layers.relu(),
                        new Linear(16, 1, true, new Generator(100 + rank)));
                Optimizer optimizer = new Sgd(model.parameters(), 0.1, 0.9, 0, false, 0)) { // SGD: sensitive to the gradients' scale
            model.to(device);
            DataParallel parallel = !ranks ? null : device.isCuda() ? DataParallel.overNccl(mpi, device) : new DataParallel(mpi);
            if (ranks) {
                parallel.broadcastFromRankZero(model);
            }
            Tensor x = Tensor.randn(data, new long[] {STEPS * BATCH, 6}, DType.FLOAT32, device);
            Tensor y = x.sum(1, true).tanh();
            for (int step = 0; step < STEPS; step++) {
                try (var each = TensorScope.open()) {
                    Tensor index = Tensor.arange(step * BATCH + rank, (step + 1) * BATCH, size, DType.INT64, device);
                    Tensor loss = model.forward(x.indexSelect(0, index)).sub(y.indexSelect(0, index)).square().mean();
                    optimizer.zeroGrad();
                    loss.backward();
                    if (ranks) {
                        parallel.sumGradients(model.parameters(), 1.0 / size); // the loss is a mean over the batch
                    }
                    optimizer.step();
                }
            }
            if (rank == 0) {
                model.to(Device.CPU);
                model.save(Path.of(args[1]), Map.of());
            }
            if (ranks) {
                parallel.close(); // finalises MPI too
            }
        }
    }
}
