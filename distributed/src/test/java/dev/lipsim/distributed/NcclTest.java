package dev.lipsim.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.RequiresCuda;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** NCCL through its C API, in a group of one rank (a GPU machine here has one GPU; two ranks need two). */
class NcclTest {

    private static final Device GPU = Device.cuda(0);

    @Test
    void aCpuDeviceIsRefusedBeforeAnythingLoads() {
        var error = assertThrows(IllegalArgumentException.class, () -> Nccl.join(0, 1, Device.CPU, id -> {}));
        assertTrue(error.getMessage().contains("NCCL runs on CUDA devices, not cpu"), error.getMessage());
        var rank = assertThrows(IllegalArgumentException.class, () -> Nccl.join(2, 2, GPU, id -> {}));
        assertTrue(rank.getMessage().contains("rank 2 is not one of the group's 2"), rank.getMessage());
    }

    @Test
    @RequiresCuda
    void oneRankReducesAndBroadcastsInPlaceOnTheDevice() {
        assertTrue(Nccl.version().matches("2\\.\\d+\\.\\d+"), Nccl.version());
        try (var scope = TensorScope.open(); Nccl nccl = Nccl.join(0, 1, GPU, id -> {})) {
            float[] values = {1.5f, -2f, 3.25f, 0f, 7f};
            Tensor x = Tensor.of(values, values.length).to(GPU).mul(2);
            nccl.allReduceSum(x); // the sum over one rank
            assertArrayEquals(new float[] {3f, -4f, 6.5f, 0f, 14f}, x.toFloatArray());
            nccl.broadcast(x, 0);
            assertArrayEquals(new float[] {3f, -4f, 6.5f, 0f, 14f}, x.toFloatArray());
            var error = assertThrows(IllegalStateException.class, () -> nccl.broadcast(x, 5)); // no rank 5
            assertTrue(error.getMessage().startsWith("ncclBroadcast failed: NCCL error "), error.getMessage());
        }
    }

    @Test
    @RequiresCuda
    void tensorsNotContiguousFloat32OnItsDeviceAreRefused() {
        try (var scope = TensorScope.open(); Nccl nccl = Nccl.join(0, 1, GPU, id -> {})) {
            var onCpu = assertThrows(IllegalArgumentException.class, () -> nccl.allReduceSum(Tensor.zeros(4)));
            assertTrue(onCpu.getMessage().contains("on cpu"), onCpu.getMessage());
            var doubles = assertThrows(IllegalArgumentException.class,
                    () -> nccl.allReduceSum(Tensor.zeros(new long[] {4}, DType.FLOAT64, GPU)));
            assertTrue(doubles.getMessage().contains("float64"), doubles.getMessage());
            var strided = assertThrows(IllegalArgumentException.class,
                    () -> nccl.allReduceSum(Tensor.zeros(new long[] {4, 4}, DType.FLOAT32, GPU).t()));
            assertTrue(strided.getMessage().contains("not contiguous"), strided.getMessage());
        }
    }
}
