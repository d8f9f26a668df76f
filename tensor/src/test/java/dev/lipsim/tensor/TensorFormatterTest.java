package dev.lipsim.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TensorFormatterTest {

    @Test
    void printsLikePyTorch() {
        try (var scope = TensorScope.open()) {
            assertEquals("tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]], shape=[2, 2], dtype=float32, device=cpu)",
                    Tensor.of(new float[] {1, 2.5f, 3, 4}, 2, 2).toString());
            assertEquals("tensor([1., 2., 3.], shape=[3], dtype=float64, device=cpu)",
                    Tensor.of(new double[] {1, 2, 3}, 3).toString());
            assertEquals("tensor([ 1, -2, 30], shape=[3], dtype=int64, device=cpu)", Tensor.of(new long[] {1, -2, 30}, 3).toString());
            assertEquals("tensor([ True, False], shape=[2], dtype=bool, device=cpu)",
                    Tensor.of(new boolean[] {true, false}, 2).toString());
            assertEquals("tensor(2.5000, shape=[], dtype=float64, device=cpu)", Tensor.scalar(2.5).add(0.0).toString());
            assertEquals("tensor([1.0000e-05, 1.0000e+00], shape=[2], dtype=float64, device=cpu, requires_grad=True)",
                    Tensor.of(new double[] {1e-5, 1}, 2).requiresGrad(true).toString());
            assertEquals("tensor([[[1., 2.]],\n\n        [[3., 4.]]], shape=[2, 1, 2], dtype=float32, device=cpu)",
                    Tensor.of(new float[] {1, 2, 3, 4}, 2, 1, 2).toString());
            assertEquals("tensor([   0,    1,    2, ..., 1997, 1998, 1999], shape=[2000], dtype=int64, device=cpu)",
                    Tensor.arange(2000).toString());
        }
        Tensor closed = Tensor.ones(1);
        closed.close();
        assertEquals("tensor(closed)", closed.toString());
    }
}
