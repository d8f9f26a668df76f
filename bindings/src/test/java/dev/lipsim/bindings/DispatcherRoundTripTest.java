package dev.lipsim.bindings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Each argument and return kind of the call layer, checked against hand-computed values. */
class DispatcherRoundTripTest {

    private static final AtenOp MM = AtenOp.of("aten::mm(Tensor self, Tensor mat2) -> Tensor");
    private static final AtenOp MUL = AtenOp.of("aten::mul.Tensor(Tensor self, Tensor other) -> Tensor");
    private static final AtenOp CONV2D = AtenOp.of("aten::conv2d(Tensor input, Tensor weight, Tensor? bias=None, "
            + "SymInt[2] stride=1, SymInt[2] padding=0, SymInt[2] dilation=1, SymInt groups=1) -> Tensor");
    private static final AtenOp SPLIT = AtenOp.of("aten::split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) -> Tensor(a)[]");
    private static final AtenOp SUM_DIM = AtenOp.of("aten::sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor");
    private static final AtenOp GELU = AtenOp.of("aten::gelu(Tensor self, *, str approximate='none') -> Tensor");
    private static final AtenOp MAX_DIM = AtenOp.of("aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)");
    private static final AtenOp INDEX = AtenOp.of("aten::index.Tensor(Tensor self, Tensor?[] indices) -> Tensor");
    private static final AtenOp PERMUTE = AtenOp.of("aten::permute(Tensor(a) self, int[] dims) -> Tensor(a)");
    private static final AtenOp UPSAMPLE = AtenOp.of("aten::upsample_bilinear2d.vec(Tensor input, SymInt[]? output_size, bool align_corners, float[]? scale_factors) -> Tensor");
    private static final AtenOp CONV_BACKWARD = AtenOp.of("aten::convolution_backward(Tensor grad_output, Tensor input, "
            + "Tensor weight, SymInt[]? bias_sizes, SymInt[] stride, SymInt[] padding, SymInt[] dilation, bool transposed, "
            + "SymInt[] output_padding, SymInt groups, bool[3] output_mask) -> (Tensor, Tensor, Tensor)");
    private static final AtenOp TO_DEVICE = AtenOp.of("aten::to.device(Tensor(a) self, Device device, ScalarType dtype, "
            + "bool non_blocking=False, bool copy=False, MemoryFormat? memory_format=None) -> Tensor(a)");
    private static final AtenOp ZERO_ = AtenOp.of("aten::zero_(Tensor(a!) self) -> Tensor(a!)");

    private static final float[] ONE_TO_NINE = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    @Test
    void createFillReadBack() {
        try (TensorHandle t = TestTensors.floats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)) {
            assertArrayEquals(new long[] {2, 3}, t.sizes());
            assertArrayEquals(new long[] {3, 1}, t.strides());
            assertEquals(6, t.numel());
            assertEquals(AbiCodes.dtype("float32"), t.dtypeCode());
            assertEquals(AbiCodes.deviceType("cpu"), t.deviceTypeCode());
            assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, TestTensors.read(t));
            ShimOps.fill(t, 2.5);
            assertArrayEquals(new double[] {2.5, 2.5, 2.5, 2.5, 2.5, 2.5}, TestTensors.read(t));
        }
    }

    @Test
    void matrixProduct() {
        try (TensorHandle a = TestTensors.floats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
                TensorHandle b = TestTensors.floats(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
                TensorHandle c = MM.call().tensor(a).tensor(b).callTensor()) {
            // [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] = [58 64; 139 154]
            assertArrayEquals(new long[] {2, 2}, c.sizes());
            assertArrayEquals(new double[] {58, 64, 139, 154}, TestTensors.read(c));
        }
    }

    @Test
    void convolutionWithOptionalBiasBox() {
        try (TensorHandle input = TestTensors.floats(ONE_TO_NINE, 1, 1, 3, 3);
                TensorHandle weight = TestTensors.floats(new float[] {1, 1, 1, 1}, 1, 1, 2, 2);
                TensorHandle bias = TestTensors.floats(new float[] {10}, 1);
                TensorHandle out = CONV2D.call().tensor(input).tensor(weight).tensor(bias)
                        .intList(1, 1).intList(0, 0).intList(1, 1).int64(1).callTensor()) {
            // Sums of the four 2x2 windows of [1..9] plus the bias 10.
            assertArrayEquals(new long[] {1, 1, 2, 2}, out.sizes());
            assertArrayEquals(new double[] {22, 26, 34, 38}, TestTensors.read(out));
        }
    }

    @Test
    void tensorListReturn() {
        try (TensorHandle t = TestTensors.floats(new float[] {1, 2, 3, 4, 5, 6}, 6)) {
            TensorHandle[] parts = SPLIT.call().tensor(t).int64(4).int64(0).callTensors();
            try {
                assertEquals(2, parts.length);
                assertArrayEquals(new double[] {1, 2, 3, 4}, TestTensors.read(parts[0]));
                assertArrayEquals(new double[] {5, 6}, TestTensors.read(parts[1]));
            } finally {
                for (TensorHandle part : parts) {
                    part.close();
                }
            }
        }
    }

    @Test
    void optionalListAndScalarTypeBoxes() {
        try (TensorHandle t = TestTensors.floats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
                TensorHandle rows = SUM_DIM.call().tensor(t).intList(1).bool(false)
                        .scalarType(AbiCodes.dtype("float64")).callTensor();
                TensorHandle all = SUM_DIM.call().tensor(t).none().bool(true).none().callTensor()) {
            assertEquals(AbiCodes.dtype("float64"), rows.dtypeCode());
            assertArrayEquals(new double[] {6, 15}, TestTensors.read(rows));
            assertArrayEquals(new long[] {1, 1}, all.sizes());
            assertArrayEquals(new double[] {21}, TestTensors.read(all));
        }
    }

    @Test
    void stringArgument() {
        try (TensorHandle x = TestTensors.doubles(new double[] {1, -1}, 2);
                TensorHandle exact = GELU.call().tensor(x).string("none").callTensor();
                TensorHandle tanh = GELU.call().tensor(x).string("tanh").callTensor()) {
            // x * Phi(x) with Phi(1) = 0.8413447460685429 and Phi(-1) = 0.15865525393145707.
            assertArrayEquals(new double[] {0.8413447460685429, -0.15865525393145707}, TestTensors.read(exact), 1e-12);
            double[] expected = new double[2];
            double[] points = {1, -1};
            for (int i = 0; i < 2; i++) {
                double v = points[i];
                expected[i] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            }
            assertArrayEquals(expected, TestTensors.read(tanh), 1e-12);
        }
    }

    @Test
    void zeroDimTensorInPlaceOfAScalar() {
        try (TensorHandle t = TestTensors.floats(new float[] {1, 2, 3}, 3);
                TensorHandle two = ShimOps.scalar(2.0);
                TensorHandle product = MUL.call().tensor(t).tensor(two).callTensor()) {
            assertEquals(0, two.dim());
            assertEquals(AbiCodes.dtype("float32"), product.dtypeCode(), "a 0-dim operand does not promote");
            assertArrayEquals(new double[] {2, 4, 6}, TestTensors.read(product));
        }
    }

    @Test
    void subtractWithAlpha() {
        try (TensorHandle a = TestTensors.floats(new float[] {5, 7}, 2);
                TensorHandle b = TestTensors.floats(new float[] {1, 2}, 2);
                TensorHandle difference = ShimOps.subtract(a, b, 2.0);
                TensorHandle sum = ShimOps.subtract(a, b, -1.0)) {
            assertArrayEquals(new double[] {3, 3}, TestTensors.read(difference));
            assertArrayEquals(new double[] {6, 9}, TestTensors.read(sum));
        }
    }

    @Test
    void multipleReturns() {
        try (TensorHandle t = TestTensors.floats(new float[] {1, 5, 2, 7, 3, 9}, 2, 3)) {
            TensorHandle[] result = MAX_DIM.call().tensor(t).int64(1).bool(false).callTensors();
            try (TensorHandle values = result[0]; TensorHandle indices = result[1]) {
                assertArrayEquals(new double[] {5, 9}, TestTensors.read(values));
                assertEquals(AbiCodes.dtype("int64"), indices.dtypeCode());
                assertArrayEquals(new double[] {1, 2}, TestTensors.read(indices));
            }
        }
    }

    @Test
    void optionalTensorList() {
        try (TensorHandle t = TestTensors.floats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
                TensorHandle columns = TestTensors.longs(new long[] {2, 0}, 2);
                TensorHandle picked = INDEX.call().tensor(t).optionalTensorList(null, columns).callTensor()) {
            assertArrayEquals(new long[] {2, 2}, picked.sizes());
            assertArrayEquals(new double[] {3, 1, 6, 4}, TestTensors.read(picked));
        }
    }

    @Test
    void intListView() {
        try (TensorHandle t = TestTensors.floats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
                TensorHandle transposed = PERMUTE.call().tensor(t).intList(1, 0).callTensor()) {
            assertArrayEquals(new long[] {3, 2}, transposed.sizes());
            assertArrayEquals(new long[] {1, 3}, transposed.strides());
            assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, TestTensors.read(transposed));
        }
    }

    @Test
    void optionalFloatList() {
        try (TensorHandle t = TestTensors.floats(new float[] {1, 3}, 1, 1, 1, 2);
                TensorHandle up = UPSAMPLE.call().tensor(t).none().bool(false).floatList(2.0, 2.0).callTensor()) {
            // Half-pixel centres: source x = (x + 0.5) / 2 - 0.5, clamped to the edges.
            assertArrayEquals(new long[] {1, 1, 2, 4}, up.sizes());
            assertArrayEquals(new double[] {1, 1.5, 2.5, 3, 1, 1.5, 2.5, 3}, TestTensors.read(up), 1e-6);
        }
    }

    @Test
    void boolListAndUndefinedReturn() {
        try (TensorHandle input = TestTensors.floats(ONE_TO_NINE, 1, 1, 3, 3);
                TensorHandle weight = TestTensors.floats(new float[] {1, 1, 1, 1}, 1, 1, 2, 2);
                TensorHandle gradOutput = TestTensors.floats(new float[] {1, 1, 1, 1}, 1, 1, 2, 2)) {
            TensorHandle[] grads = CONV_BACKWARD.call().tensor(gradOutput).tensor(input).tensor(weight).none()
                    .intList(1, 1).intList(0, 0).intList(1, 1).bool(false).intList(0, 0).int64(1)
                    .boolList(true, true, false).callTensors();
            try (TensorHandle gradInput = grads[0]; TensorHandle gradWeight = grads[1]; TensorHandle gradBias = grads[2]) {
                assertArrayEquals(new double[] {1, 2, 1, 2, 4, 2, 1, 2, 1}, TestTensors.read(gradInput));
                assertArrayEquals(new double[] {12, 16, 24, 28}, TestTensors.read(gradWeight));
                assertFalse(gradBias.isDefined(), "output_mask[2] = false leaves the bias gradient undefined");
            }
        }
    }

    @Test
    void deviceArgumentAndInPlaceOp() {
        try (TensorHandle t = TestTensors.floats(new float[] {1.5f, 2.5f}, 2);
                TensorHandle copy = TO_DEVICE.call().tensor(t).device(AbiCodes.deviceType("cpu"), -1)
                        .scalarType(AbiCodes.dtype("int64")).bool(false).bool(true).none().callTensor()) {
            assertEquals(AbiCodes.dtype("int64"), copy.dtypeCode());
            assertArrayEquals(new double[] {1, 2}, TestTensors.read(copy));
            ZERO_.call().tensor(copy).callVoid();
            assertArrayEquals(new double[] {0, 0}, TestTensors.read(copy));
            assertArrayEquals(new double[] {1.5, 2.5}, TestTensors.read(t), "copy=True made a copy");
        }
    }

    @Test
    void viewsShareStorageAndItemConverts() {
        try (TensorHandle t = TestTensors.doubles(new double[] {1, 2, 3, 4}, 4);
                TensorHandle middle = ShimOps.narrow(t, 0, 1, 2);
                TensorHandle full = ShimOps.full(new long[] {2}, 7.0, AbiCodes.dtype("int64"), AbiCodes.deviceType("cpu"), 0);
                TensorHandle one = ShimOps.narrow(t, 0, 3, 1)) {
            assertEquals(1, middle.storageOffset());
            ShimOps.fill(middle, 9);
            assertArrayEquals(new double[] {1, 9, 9, 4}, TestTensors.read(t));
            assertArrayEquals(new double[] {7, 7}, TestTensors.read(full));
            assertEquals(4.0, ShimOps.itemDouble(one));
            assertEquals(4L, ShimOps.itemLong(one));
            assertTrue(ShimOps.itemBoolean(one));
        }
    }
}
