package dev.lipsim.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every op against hand-computed values or an identity. */
@ExtendWith(InScope.class)
class TensorOpsTest {


    private static Tensor m23() {
        return Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    }

    private static void assertValues(double[] expected, Tensor actual) {
        assertValues(expected, actual, null);
    }

    private static void assertValues(double[] expected, Tensor actual, String message) {
        assertArrayEquals(expected, actual.toDoubleArray(), 1e-6, message);
    }

    @Test
    void arithmeticBroadcastsAndPromotesLikePyTorch() {
        Tensor a = m23();
        Tensor row = Tensor.of(new float[] {10, 20, 30}, 3);
        assertValues(new double[] {11, 22, 33, 14, 25, 36}, a.add(row));
        assertValues(new double[] {-9, -18, -27, -6, -15, -24}, a.sub(row));
        assertValues(new double[] {21, 42, 63, 24, 45, 66}, a.add(row, 2));
        assertValues(new double[] {10, 40, 90, 40, 100, 180}, a.mul(row));
        assertValues(new double[] {0.1, 0.1, 0.1, 0.4, 0.25, 0.2}, a.div(row));
        assertValues(new double[] {3.5, 4.5, 5.5, 6.5, 7.5, 8.5}, a.add(2.5));
        assertValues(new double[] {2, 4, 6, 8, 10, 12}, a.mul(2));
        assertValues(new double[] {-1, -2, -3, -4, -5, -6}, a.neg());
        assertValues(new double[] {1, 4, 9, 16, 25, 36}, a.pow(2.0));
        assertValues(new double[] {1, 4, 9, 16, 25, 36}, a.square());
        assertValues(new double[] {1, 8, 27, 64, 125, 216}, a.pow(Tensor.of(new float[] {3}, 1)));
        assertEquals(DType.FLOAT32, a.add(2.5).dtype(), "a double keeps float32");

        Tensor ints = Tensor.of(new long[] {1, 2, 3}, 3);
        Tensor sum = ints.add(Tensor.of(new int[] {10, 20, 30}, 3));
        assertEquals(DType.INT64, sum.dtype());
        assertArrayEquals(new long[] {11, 22, 33}, sum.toLongArray());
        assertArrayEquals(new long[] {-9, -18, -27}, ints.sub(Tensor.of(new long[] {10, 20, 30}, 3)).toLongArray());
        assertArrayEquals(new long[] {7, 8, 9}, ints.add(6).toLongArray());
        assertEquals(DType.INT64, ints.add(6).dtype(), "a long keeps the integer dtype");
        assertEquals(DType.FLOAT32, ints.add(0.5).dtype(), "a double makes an integer tensor float32");
        assertEquals(DType.FLOAT32, ints.div(Tensor.of(new long[] {2}, 1)).dtype(), "true division");
        assertValues(new double[] {0, 1, 1}, ints.div(Tensor.of(new long[] {2}, 1), "floor"));
        assertArrayEquals(new long[] {1, 1, 1}, Tensor.of(new boolean[] {true, false, true}, 3)
                .add(Tensor.of(new boolean[] {false, true, true}, 3)).toLongArray(), "bool + bool is or");
        assertThrows(IllegalArgumentException.class, () -> ints.add(ints, 0.5));
    }

    @Test
    void comparisonsAndWhere() {
        Tensor a = Tensor.of(new float[] {1, 2, 3}, 3);
        Tensor b = Tensor.of(new float[] {3, 2, 1}, 3);
        assertEquals(DType.BOOL, a.lt(b).dtype());
        assertArrayEquals(new long[] {1, 0, 0}, a.lt(b).toLongArray());
        assertArrayEquals(new long[] {1, 1, 0}, a.le(b).toLongArray());
        assertArrayEquals(new long[] {0, 0, 1}, a.gt(b).toLongArray());
        assertArrayEquals(new long[] {0, 1, 1}, a.ge(b).toLongArray());
        assertArrayEquals(new long[] {0, 1, 0}, a.eq(b).toLongArray());
        assertArrayEquals(new long[] {1, 0, 1}, a.ne(b).toLongArray());
        assertArrayEquals(new long[] {0, 1, 1}, a.gt(1.5).toLongArray());
        assertValues(new double[] {3, 2, 3}, Tensor.where(a.gt(b), a, b).maximum(b));
        assertValues(new double[] {3, 2, 3}, a.maximum(b));
        assertValues(new double[] {1, 2, 1}, a.minimum(b));
        assertArrayEquals(new long[] {1, 0, 0}, a.lt(b).logicalAnd(a.ne(b)).toLongArray());
        assertArrayEquals(new long[] {0, 1, 1}, a.lt(b).logicalNot().toLongArray());
        assertArrayEquals(new long[] {1, 1, 0}, a.lt(b).logicalOr(a.eq(b)).toLongArray());
        assertArrayEquals(new long[] {1, 0, 0, 0, 1}, Tensor.of(new float[] {1, Float.NaN, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, -0f}, 5).isFinite().toLongArray());
    }

    @Test
    void elementwiseMath() {
        Tensor x = Tensor.of(new double[] {-2, -0.5, 0.5, 2}, 4);
        double[] v = {-2, -0.5, 0.5, 2};
        assertValues(map(v, Math::exp), x.exp());
        assertValues(map(v, Math::abs), x.abs());
        assertValues(map(v, Math::signum), x.sign());
        assertValues(map(v, d -> Math.max(d, 0)), x.relu());
        assertValues(map(v, d -> 1 / (1 + Math.exp(-d))), x.sigmoid());
        assertValues(map(v, Math::tanh), x.tanh());
        assertValues(map(v, d -> Math.log(Math.abs(d))), x.abs().log());
        assertValues(map(v, d -> Math.sqrt(Math.abs(d))), x.abs().sqrt());
        assertValues(map(v, d -> 1 / Math.sqrt(Math.abs(d))), x.abs().rsqrt());
        assertValues(new double[] {-1, -0.5, 0.5, 1}, x.clamp(-1, 1));
        assertValues(new double[] {-0.5, -0.5, 0.5, 2}, x.clampMin(-0.5));
        assertValues(new double[] {-2, -0.5, 0.5, 1}, x.clampMax(1));
        // gelu(x) = x * Phi(x); Phi(2) = 0.9772498680518208, Phi(0.5) = 0.6914624612740131.
        assertValues(new double[] {-2 * (1 - 0.9772498680518208), -0.5 * (1 - 0.6914624612740131),
                0.5 * 0.6914624612740131, 2 * 0.9772498680518208}, x.gelu());
        double[] tanhGelu = map(v, d -> 0.5 * d * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (d + 0.044715 * d * d * d))));
        assertValues(tanhGelu, x.gelu("tanh"));
        assertThrows(IllegalArgumentException.class, () -> x.gelu("fast"));
    }

    @Test
    void softmaxRowsSumToOneAndMatchTheFormula() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 1, 1, 1}, 2, 3);
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertValues(new double[] {Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z, 1 / 3.0, 1 / 3.0, 1 / 3.0},
                x.softmax(1));
        assertValues(new double[] {1 - Math.log(z), 2 - Math.log(z), 3 - Math.log(z), -Math.log(3), -Math.log(3),
                -Math.log(3)}, x.logSoftmax(-1));
    }

    @Test
    void reductions() {
        Tensor a = m23();
        assertEquals(21, a.sum().item());
        assertEquals(0, a.sum().dim());
        assertValues(new double[] {5, 7, 9}, a.sum(0, false));
        assertArrayEquals(new long[] {2, 1}, a.sum(1, true).shape());
        assertValues(new double[] {6, 15}, a.sum(new int[] {1}, false));
        assertEquals(3.5, a.mean().item());
        assertValues(new double[] {2, 5}, a.mean(1, false));
        assertEquals(6, a.max().item());
        assertEquals(1, a.min().item());
        ValuesAndIndices max = Tensor.of(new float[] {1, 5, 2, 7, 3, 9}, 2, 3).max(1, false);
        assertValues(new double[] {5, 9}, max.values());
        assertArrayEquals(new long[] {1, 2}, max.indices().toLongArray());
        ValuesAndIndices min = Tensor.of(new float[] {1, 5, 2, 7, 3, 9}, 2, 3).min(0, true);
        assertValues(new double[] {1, 3, 2}, min.values());
        assertArrayEquals(new long[] {0, 1, 0}, min.indices().toLongArray());
        assertEquals(5, a.argmax().itemLong());
        assertArrayEquals(new long[] {2, 2}, a.argmax(1, false).toLongArray());
        assertEquals(Math.sqrt(91), a.norm().item(), 1e-5);
        assertValues(new double[] {Math.sqrt(14), Math.sqrt(77)}, a.norm(new int[] {1}, false));
        assertValues(new double[] {6, 15}, a.norm(1, new int[] {1}, false));
        assertValues(new double[] {3, 6}, a.norm(Double.POSITIVE_INFINITY, new int[] {1}, false));
        assertValues(new double[] {Math.cbrt(36), Math.cbrt(405)}, a.norm(3, new int[] {1}, false));
        assertValues(new double[] {1, 3, 6, 4, 9, 15}, a.cumsum(1));
        ValuesAndIndices sorted = Tensor.of(new float[] {3, 1, 2}, 3).sort(0, true);
        assertValues(new double[] {3, 2, 1}, sorted.values());
        assertArrayEquals(new long[] {0, 2, 1}, sorted.indices().toLongArray());
        // singular values of diag(3, -2) padded with a zero row: 3 and 2
        assertValues(new double[] {3, 2}, Tensor.of(new double[] {3, 0, 0, -2, 0, 0}, 3, 2).svdvals());
        assertValues(new double[] {0.5, -0.25}, Tensor.of(new double[] {2, -4}, 2).reciprocal());
    }

    @Test
    void linearAlgebra() {
        Tensor a = m23();
        Tensor b = Tensor.of(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
        assertValues(new double[] {58, 64, 139, 154}, a.matmul(b));
        assertValues(new double[] {58, 64, 139, 154}, a.mm(b));
        assertValues(new double[] {1, 4, 2, 5, 3, 6}, a.t());
        assertValues(new double[] {1, 4, 2, 5, 3, 6}, a.transpose(0, 1));
        Tensor batch = Tensor.stack(List.of(a, a.mul(2)), 0);
        Tensor batchB = Tensor.stack(List.of(b, b), 0);
        assertValues(new double[] {58, 64, 139, 154, 116, 128, 278, 308}, batch.bmm(batchB));
        Tensor bias = Tensor.of(new float[] {1, -1}, 2);
        // linear: a @ b^T + bias with b as (2, 3) weights
        assertValues(new double[] {58 + 1, 64 - 1, 139 + 1, 154 - 1}, a.linear(b.t(), bias));
        assertValues(new double[] {14, 32}, a.matmul(Tensor.of(new float[] {1, 2, 3}, 3)));
    }

    @Test
    void convolutionAndPooling() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        Tensor ones = Tensor.ones(1, 1, 2, 2);
        assertValues(new double[] {12, 16, 24, 28}, x.conv2d(ones, null, 1, 0));
        assertValues(new double[] {22, 26, 34, 38}, x.conv2d(ones, Tensor.of(new float[] {10}, 1), 1, 0));
        // padding 1, stride 2: windows at (-1,-1), (-1,1), (1,-1), (1,1)
        assertValues(new double[] {1, 5, 11, 28}, x.conv2d(ones, null, 2, 1));
        // transposed convolution of a single 1 spreads the kernel
        Tensor kernel = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
        assertValues(new double[] {1, 2, 3, 4}, Tensor.ones(1, 1, 1, 1).convTranspose2d(kernel, null, 1, 0));
        assertValues(new double[] {1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4},
                Tensor.ones(1, 1, 2, 2).convTranspose2d(kernel, null, 2, 0));
        Tensor grid = Tensor.arange(0, 16, 1, DType.FLOAT32, Device.CPU).reshape(1, 1, 4, 4);
        assertValues(new double[] {2.5, 4.5, 10.5, 12.5}, grid.avgPool2d(2, 2));
        assertValues(new double[] {10, 18, 42, 50}, grid.avgPool2d(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0},
                false, true, 1));
        assertValues(new double[] {5, 7, 13, 15}, grid.maxPool2d(2, 2));
        assertValues(new double[] {7.5}, grid.adaptiveAvgPool2d(1, 1));
    }

    @Test
    void layerNormAndAttention() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4}, 1, 4);
        double mean = 2.5;
        double std = Math.sqrt((2.25 + 0.25 + 0.25 + 2.25) / 4 + 1e-5);
        assertValues(new double[] {(1 - mean) / std, (2 - mean) / std, (3 - mean) / std, (4 - mean) / std},
                x.layerNorm(new long[] {4}, null, null, 1e-5));
        Tensor weight = Tensor.of(new double[] {2, 2, 2, 2}, 4);
        Tensor bias = Tensor.of(new double[] {1, 1, 1, 1}, 4);
        assertValues(new double[] {2 * (1 - mean) / std + 1, 2 * (2 - mean) / std + 1, 2 * (3 - mean) / std + 1,
                2 * (4 - mean) / std + 1}, x.layerNorm(new long[] {4}, weight, bias, 1e-5));

        // One query attending to two keys: weights softmax(q.k / sqrt(2)).
        Tensor q = Tensor.of(new double[] {1, 0}, 1, 1, 2);
        Tensor k = Tensor.of(new double[] {1, 0, 0, 1}, 1, 2, 2);
        Tensor v = Tensor.of(new double[] {10, 0, 0, 20}, 1, 2, 2);
        double w0 = Math.exp(1 / Math.sqrt(2));
        double w1 = 1;
        double p0 = w0 / (w0 + w1);
        assertValues(new double[] {10 * p0, 20 * (1 - p0)}, Tensor.scaledDotProductAttention(q, k, v, null, false, null));
        assertValues(new double[] {10, 0}, Tensor.scaledDotProductAttention(q, k, v, null, true, null),
                "causal: the first query sees only the first key");
    }

    @Test
    void shapes() {
        Tensor a = m23();
        assertArrayEquals(new long[] {3, 2}, a.reshape(3, 2).shape());
        assertArrayEquals(new long[] {6}, a.reshape(-1).shape());
        assertArrayEquals(new long[] {3, 2}, a.view(3, -1).shape());
        assertValues(new double[] {1, 4, 2, 5, 3, 6}, a.permute(1, 0));
        assertArrayEquals(new long[] {6}, a.flatten().shape());
        assertArrayEquals(new long[] {2, 3}, a.unsqueeze(0).squeeze().shape());
        assertArrayEquals(new long[] {2, 1, 3}, a.unsqueeze(1).shape());
        assertArrayEquals(new long[] {2, 3}, a.unsqueeze(1).squeeze(1).shape());
        assertValues(new double[] {1, 2, 3, 1, 2, 3}, Tensor.of(new float[] {1, 2, 3}, 3).expand(2, 3));
        assertValues(new double[] {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}, Tensor.cat(List.of(a, a), 0));
        assertArrayEquals(new long[] {2, 6}, Tensor.cat(List.of(a, a), 1).shape());
        assertArrayEquals(new long[] {2, 2, 3}, Tensor.stack(List.of(a, a), 0).shape());
        List<Tensor> pieces = a.split(2, 1);
        assertEquals(2, pieces.size());
        assertValues(new double[] {1, 2, 4, 5}, pieces.get(0));
        assertValues(new double[] {3, 6}, pieces.get(1));
        assertValues(new double[] {1, 4}, a.split(new long[] {1, 2}, 1).get(0));
        assertEquals(3, a.chunk(3, 1).size());
        assertValues(new double[] {2, 3, 5, 6}, a.narrow(1, 1, 2));
        assertValues(new double[] {4, 5, 6}, a.select(0, 1));
        assertValues(new double[] {3, 1, 6, 4}, a.indexSelect(1, Tensor.of(new long[] {2, 0}, 2)));
        assertValues(new double[] {0, 1, 2, 3, 0, 0, 4, 5, 6, 0},
                a.pad(new long[] {1, 1}, PadMode.CONSTANT, 0).flatten());
        assertValues(new double[] {2, 1, 2, 3, 2, 5, 4, 5, 6, 5}, a.pad(new long[] {1, 1}, PadMode.REFLECT, 0).flatten());
        assertValues(new double[] {1, 1, 2, 3, 3, 4, 4, 5, 6, 6}, a.pad(new long[] {1, 1}, PadMode.REPLICATE, 0).flatten());
        assertValues(new double[] {3, 1, 2, 3, 1, 6, 4, 5, 6, 4}, a.pad(new long[] {1, 1}, PadMode.CIRCULAR, 0).flatten());
        assertValues(new double[] {6, 5, 4, 3, 2, 1}, a.flip(0, 1));
        Tensor transposed = a.t();
        assertTrue(!transposed.isContiguous() && transposed.contiguous().isContiguous());
        Tensor image = Tensor.arange(0, 24, 1, DType.FLOAT32, Device.CPU).reshape(1, 2, 3, 4);
        Tensor channelsLast = image.contiguous(MemoryFormat.CHANNELS_LAST);
        assertArrayEquals(new long[] {24, 1, 8, 2}, channelsLast.strides());
        assertArrayEquals(image.toDoubleArray(), channelsLast.toDoubleArray(), "same values, other layout");
        assertEquals(3, image.size(-2));
    }

    @Test
    void interpolation() {
        Tensor x = Tensor.of(new float[] {1, 3}, 1, 1, 1, 2);
        assertValues(new double[] {1, 1.5, 2.5, 3, 1, 1.5, 2.5, 3}, x.interpolate(2, 4, Interpolation.BILINEAR, false, false));
        assertValues(new double[] {1, 1, 3, 3}, x.interpolate(1, 4, Interpolation.NEAREST, false, false));
        assertValues(new double[] {1, 1.6666666, 2.3333333, 3}, x.interpolate(1, 4, Interpolation.BILINEAR, true, false));
        // Shrinking a constant image keeps it constant, with or without antialiasing.
        Tensor constant = Tensor.full(new long[] {1, 3, 8, 8}, 0.25, DType.FLOAT32, Device.CPU);
        for (Interpolation mode : List.of(Interpolation.BILINEAR, Interpolation.BICUBIC)) {
            Tensor small = constant.interpolate(3, 5, mode, false, true);
            assertArrayEquals(new long[] {1, 3, 3, 5}, small.shape());
            assertEquals(0.25, small.min().item(), 1e-6);
            assertEquals(0.25, small.max().item(), 1e-6);
        }
        // Antialiased 2x downsampling of alternating columns averages them (bilinear = triangle filter).
        Tensor stripes = Tensor.of(new float[] {0, 1, 0, 1, 0, 1, 0, 1}, 1, 1, 1, 8);
        double[] down = stripes.interpolate(1, 4, Interpolation.BILINEAR, false, true).toDoubleArray();
        for (double value : down) {
            assertEquals(0.5, value, 0.13);
        }
        assertThrows(IllegalArgumentException.class, () -> stripes.interpolate(1, 4, Interpolation.NEAREST, false, true));
    }

    @Test
    void conversionsCopiesAndInPlace() {
        Tensor a = Tensor.of(new float[] {1.7f, -2.2f}, 2);
        assertArrayEquals(new long[] {1, -2}, a.to(DType.INT64).toLongArray());
        assertEquals(DType.FLOAT64, a.to(DType.FLOAT64).dtype());
        assertEquals(Device.CPU, a.to(Device.CPU).device());
        Tensor copy = a.clone();
        copy.fill_(5);
        assertValues(new double[] {1.7, -2.2}, a);
        Tensor t = Tensor.of(new double[] {1, 2, 3}, 3);
        t.add_(Tensor.of(new double[] {1, 1, 1}, 3));
        assertValues(new double[] {2, 3, 4}, t);
        t.add_(Tensor.of(new double[] {1}, 1), -2);
        assertValues(new double[] {0, 1, 2}, t);
        t.sub_(Tensor.of(new double[] {1, 1, 1}, 3));
        assertValues(new double[] {-1, 0, 1}, t);
        t.mul_(3);
        assertValues(new double[] {-3, 0, 3}, t);
        t.mul_(Tensor.of(new double[] {2, 2, 2}, 3));
        assertValues(new double[] {-6, 0, 6}, t);
        t.div_(2);
        assertValues(new double[] {-3, 0, 3}, t);
        t.div_(Tensor.of(new double[] {3}, 1));
        assertValues(new double[] {-1, 0, 1}, t);
        t.addcmul_(Tensor.of(new double[] {1, 2, 3}, 3), Tensor.of(new double[] {2, 2, 2}, 3), 0.5);
        assertValues(new double[] {0, 2, 4}, t);
        t.addcdiv_(Tensor.of(new double[] {1, 2, 3}, 3), Tensor.of(new double[] {2, 2, 2}, 3), -2);
        assertValues(new double[] {-1, 0, 1}, t);
        t.clamp_(-0.5, 0.5);
        assertValues(new double[] {-0.5, 0, 0.5}, t);
        t.copy_(Tensor.of(new float[] {7}, 1));
        assertValues(new double[] {7, 7, 7}, t);
        t.zero_();
        assertValues(new double[] {0, 0, 0}, t);
        Tensor view = a.narrow(0, 1, 1);
        view.fill_(9);
        assertValues(new double[] {1.7, 9}, a);
    }

    @Test
    void badArgumentsAreClearErrors() {
        Tensor a = m23();
        var shape = assertThrows(dev.lipsim.bindings.TorchException.class, () -> a.mm(a));
        assertTrue(shape.getMessage().contains("aten::mm"), shape.getMessage());
        assertTrue(shape.getMessage().contains("Tensor[2, 3] float32 cpu"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.pad(new long[] {1}, PadMode.CONSTANT, 0));
        assertThrows(IllegalArgumentException.class, () -> a.conv2d(a, null, new int[] {1}, new int[] {0, 0},
                new int[] {1, 1}, 1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
        assertThrows(IllegalStateException.class, a::item);
    }

    private static double[] map(double[] values, java.util.function.DoubleUnaryOperator f) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = f.applyAsDouble(values[i]);
        }
        return out;
    }
}
