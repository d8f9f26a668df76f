package dev.lipsim.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.bindings.TorchException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The channels-last route as callers see it: their layout back, and libtorch's refusals kept. */
@ExtendWith(InScope.class)
class ConvolutionRouteTest {

    @AfterEach
    void backToTheCheckedPath() {
        CpuConvolutions.usePath(null);
    }

    @Test
    void resultsComeBackInTheCallersLayout() {
        CpuConvolutions.usePath(ConvolutionPath.CHANNELS_LAST);
        Generator generator = new Generator(2);
        Tensor weight = Tensor.randn(generator, new long[] {5, 3, 3, 3}, DType.FLOAT32, Device.CPU);
        Tensor rowMajor = Tensor.randn(generator, new long[] {2, 3, 6, 7}, DType.FLOAT32, Device.CPU);
        assertTrue(rowMajor.conv2d(weight, null, 1, 1).isContiguous(), "NCHW in, NCHW out");
        Tensor channelsLast = rowMajor.contiguous(MemoryFormat.CHANNELS_LAST);
        assertArrayEquals(new long[] {210, 1, 35, 5}, channelsLast.conv2d(weight, null, 1, 1).strides(),
                "channels-last in, channels-last out");
        Tensor unbatched = rowMajor.select(0, 0);
        assertArrayEquals(new long[] {5, 6, 7}, unbatched.conv2d(weight, null, 1, 1).shape());
    }

    /** A rewrite adds its bias after the convolution; a bias of the wrong size must still be refused, not broadcast. */
    @Test
    void aWrongBiasIsRefusedAsLibtorchRefusesIt() {
        CpuConvolutions.usePath(ConvolutionPath.CHANNELS_LAST);
        Generator generator = new Generator(3);
        Tensor oneChannel = Tensor.randn(generator, new long[] {2, 1, 5, 5}, DType.FLOAT32, Device.CPU);
        Tensor weight = Tensor.randn(generator, new long[] {4, 1, 3, 3}, DType.FLOAT32, Device.CPU);
        var error = assertThrows(TorchException.class, () -> oneChannel.conv2d(weight, Tensor.ones(1), 1, 1));
        assertTrue(error.getMessage().contains("aten::conv2d"), error.getMessage());
    }
}
