package dev.lipsim.tensor;

import dev.lipsim.bindings.AtenOp;
import dev.lipsim.bindings.OpCall;
import dev.lipsim.bindings.ShimOps;
import dev.lipsim.bindings.TensorHandle;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional array on a device, backed by a libtorch tensor, with libtorch's autograd.
 *
 * <p>Names follow PyTorch: {@code a.matmul(b).relu().sum()}; in-place variants end in {@code _}.
 * Every op goes through libtorch's dispatcher, so it runs on the tensor's device and is recorded
 * by autograd when gradients are enabled. Ops with a Java number take it as a 0-dim tensor with
 * PyTorch's promotion rules: a {@code double} keeps a floating tensor's dtype and turns an
 * integer tensor into float32; a {@code long} keeps the tensor's dtype.
 *
 * <p>Each {@code Tensor} owns one libtorch handle. Results join the current {@link TensorScope}
 * and are freed when it closes; outside any scope the caller owns them ({@link #close()}, or the
 * garbage collector's cleaner eventually). A closed tensor throws {@link IllegalStateException}
 * on use. Views ({@link #view}, {@link #narrow}, {@link #select}, ...) share memory with their base
 * and keep it alive.
 *
 * <p>Not thread-safe: a tensor may be read by several threads, but must not be closed or
 * modified in place while another thread uses it.
 */
public final class Tensor implements AutoCloseable {

    private static final Cleaner CLEANER = Cleaner.create();

    private final TensorHandle handle;
    private int dtypeCode = -1;
    private Cleaner.Cleanable cleanable;
    /** The scope that frees this tensor, or null when the caller owns it. */
    TensorScope scope;

    private Tensor(TensorHandle handle) {
        this.handle = handle;
        TensorScope.adopt(this);
    }

    /**
     * Takes ownership of a handle from the bindings (for example the result of an
     * {@link AtenOp} this class does not wrap); the tensor joins the current scope.
     */
    public static Tensor wrap(TensorHandle handle) {
        return new Tensor(handle);
    }

    /** The libtorch handle, for calling an {@link AtenOp} directly; owned by this tensor. */
    public TensorHandle handle() {
        if (handle.isClosed()) {
            throw new IllegalStateException("this tensor is closed (by close() or by the TensorScope it belonged to)");
        }
        return handle;
    }

    void releaseWithCleaner() {
        if (cleanable == null) {
            cleanable = CLEANER.register(this, handle::close);
        }
    }

    /** Frees the tensor now. Idempotent. */
    @Override
    public void close() {
        if (cleanable != null) {
            cleanable.clean();
        } else {
            handle.close();
        }
    }

    public boolean isClosed() {
        return handle.isClosed();
    }

    /** Number of libtorch tensor handles open in this JVM (all tensors, all threads). */
    public static long liveCount() {
        return TensorHandle.liveCount();
    }

    /**
     * Where each open handle was created, to find leaks; empty unless the JVM runs with
     * {@code -Dlipsim.trackHandles=true}.
     */
    public static List<Throwable> liveOrigins() {
        return TensorHandle.liveOrigins();
    }

    // ---- Metadata ----

    public long[] shape() {
        return handle().sizes();
    }

    /** The size of dimension {@code dim} (negative counts from the end). */
    public long size(int dim) {
        long[] shape = shape();
        return shape[Shapes.normalizeDim(dim, shape.length)];
    }

    public int dim() {
        return handle().dim();
    }

    public long numel() {
        return handle().numel();
    }

    public long[] strides() {
        return handle().strides();
    }

    public DType dtype() {
        int code = dtypeCode;
        if (code < 0) {
            code = handle().dtypeCode();
            dtypeCode = code;
        }
        return DType.ofCode(code);
    }

    public Device device() {
        TensorHandle h = handle();
        return Device.of(h.deviceTypeCode(), h.deviceIndex());
    }

    public boolean isContiguous() {
        return handle().isContiguous();
    }

    // ---- Creation ----

    /** A float32 CPU tensor holding a copy of {@code values} (row-major) in {@code shape}. */
    public static Tensor of(float[] values, long... shape) {
        return Creation.copyOf(MemorySegment.ofArray(values), values.length, DType.FLOAT32, shape);
    }

    /** A float64 CPU tensor holding a copy of {@code values} in {@code shape}. */
    public static Tensor of(double[] values, long... shape) {
        return Creation.copyOf(MemorySegment.ofArray(values), values.length, DType.FLOAT64, shape);
    }

    /** An int64 CPU tensor holding a copy of {@code values} in {@code shape}. */
    public static Tensor of(long[] values, long... shape) {
        return Creation.copyOf(MemorySegment.ofArray(values), values.length, DType.INT64, shape);
    }

    /** An int32 CPU tensor holding a copy of {@code values} in {@code shape}. */
    public static Tensor of(int[] values, long... shape) {
        return Creation.copyOf(MemorySegment.ofArray(values), values.length, DType.INT32, shape);
    }

    /** A uint8 CPU tensor holding a copy of {@code values} (read as unsigned) in {@code shape}. */
    public static Tensor of(byte[] values, long... shape) {
        return Creation.copyOf(MemorySegment.ofArray(values), values.length, DType.UINT8, shape);
    }

    /** A bool CPU tensor holding a copy of {@code values} in {@code shape}. */
    public static Tensor of(boolean[] values, long... shape) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) (values[i] ? 1 : 0);
        }
        return Creation.copyOf(MemorySegment.ofArray(bytes), values.length, DType.BOOL, shape);
    }

    /** A 0-dim float64 CPU tensor. */
    public static Tensor scalar(double value) {
        return wrap(ShimOps.scalar(value));
    }

    /** A 0-dim int64 CPU tensor. */
    public static Tensor scalar(long value) {
        return wrap(ShimOps.scalar(value));
    }

    /** A CPU tensor holding a copy of the native memory {@code data} (elements of {@code dtype}, row-major). */
    public static Tensor copyOf(MemorySegment data, DType dtype, long... shape) {
        return Creation.copyOf(data, data.byteSize() / dtype.byteSize(), dtype, shape);
    }

    /**
     * A CPU tensor over {@code data} without copying. The caller must keep {@code data} alive
     * (its arena open) for as long as this tensor or any view of it is in use.
     */
    public static Tensor viewOf(MemorySegment data, DType dtype, long... shape) {
        return wrap(Creation.viewOf(data, dtype, shape, Shapes.contiguousStrides(shape), 0));
    }

    /**
     * A CPU tensor over {@code data} without copying, with explicit element strides and offset
     * (as a PyTorch storage is viewed). The caller keeps {@code data} alive while it is in use.
     */
    public static Tensor viewOf(MemorySegment data, DType dtype, long[] shape, long[] strides, long offset) {
        return wrap(Creation.viewOf(data, dtype, shape, strides, offset));
    }

    /** Zeros: float32 on the CPU. */
    public static Tensor zeros(long... shape) {
        return full(shape, 0, DType.FLOAT32, Device.CPU);
    }

    public static Tensor zeros(long[] shape, DType dtype, Device device) {
        return full(shape, 0, dtype, device);
    }

    /** Ones: float32 on the CPU. */
    public static Tensor ones(long... shape) {
        return full(shape, 1, DType.FLOAT32, Device.CPU);
    }

    public static Tensor ones(long[] shape, DType dtype, Device device) {
        return full(shape, 1, dtype, device);
    }

    /** A tensor of {@code shape} filled with {@code value}. */
    public static Tensor full(long[] shape, double value, DType dtype, Device device) {
        Shapes.requireValid(shape);
        device.requireAvailable();
        return wrap(ShimOps.full(shape, value, dtype.code(), device.typeCode(), device.indexCode()));
    }

    /** An uninitialised tensor (its values are whatever the memory held). */
    public static Tensor empty(long[] shape, DType dtype, Device device) {
        Shapes.requireValid(shape);
        device.requireAvailable();
        return wrap(ShimOps.emptyStrided(shape, Shapes.contiguousStrides(shape), dtype.code(), device.typeCode(),
                device.indexCode()));
    }

    /** {@code 0, 1, ..., end - 1} as int64 on the CPU. */
    public static Tensor arange(long end) {
        return arange(0, end, 1, DType.INT64, Device.CPU);
    }

    /** {@code start, start + step, ...} below {@code end} (above it for a negative step), as PyTorch's arange. */
    public static Tensor arange(double start, double end, double step, DType dtype, Device device) {
        return Creation.arange(start, end, step, dtype, device);
    }

    /** The {@code n x n} identity, float32 on the CPU. */
    public static Tensor eye(long n) {
        return eye(n, DType.FLOAT32, Device.CPU);
    }

    public static Tensor eye(long n, DType dtype, Device device) {
        return Creation.eye(n, dtype, device);
    }

    /** Uniform samples in [0, 1), float32 on the CPU, from the default {@link Generator}. */
    public static Tensor rand(long... shape) {
        return rand(Generator.defaultGenerator(), shape, DType.FLOAT32, Device.CPU);
    }

    /** Uniform samples in [0, 1) from {@code generator}: reproducible for a given seed, on every device. */
    public static Tensor rand(Generator generator, long[] shape, DType dtype, Device device) {
        return Creation.fromDoubles(generator.uniform(Shapes.numel(shape)), shape, dtype, device);
    }

    /** Standard normal samples, float32 on the CPU, from the default {@link Generator}. */
    public static Tensor randn(long... shape) {
        return randn(Generator.defaultGenerator(), shape, DType.FLOAT32, Device.CPU);
    }

    /** Standard normal samples from {@code generator}: reproducible for a given seed, on every device. */
    public static Tensor randn(Generator generator, long[] shape, DType dtype, Device device) {
        return Creation.fromDoubles(generator.normal(Shapes.numel(shape)), shape, dtype, device);
    }

    /** Integers uniform in [low, high) from {@code generator}, as int64. */
    public static Tensor randint(Generator generator, long low, long high, long[] shape, Device device) {
        long[] values = generator.integers(Shapes.numel(shape), low, high);
        Tensor cpu = of(values, shape);
        return device.equals(Device.CPU) ? cpu : cpu.to(device);
    }

    /** Zeros with this tensor's shape, dtype and device. */
    public Tensor zerosLike() {
        return full(shape(), 0, dtype(), device());
    }

    /** Ones with this tensor's shape, dtype and device. */
    public Tensor onesLike() {
        return full(shape(), 1, dtype(), device());
    }

    // ---- Reading values back ----

    /** The values as floats, in row-major order (any dtype, layout or device). */
    public float[] toFloatArray() {
        return Readback.floats(this);
    }

    /** The values as doubles, in row-major order (any dtype, layout or device). */
    public double[] toDoubleArray() {
        return Readback.doubles(this);
    }

    /** The values as longs, in row-major order (floating values are truncated, as PyTorch casts). */
    public long[] toLongArray() {
        return Readback.longs(this);
    }

    /** The single value of a one-element tensor, as a double. */
    public double item() {
        requireOneElement();
        return ShimOps.itemDouble(handle());
    }

    /** The single value of a one-element tensor, as a long. */
    public long itemLong() {
        requireOneElement();
        return ShimOps.itemLong(handle());
    }

    private void requireOneElement() {
        long n = numel();
        if (n != 1) {
            throw new IllegalStateException("item() needs a tensor with one element, this one has shape "
                    + Arrays.toString(shape()));
        }
    }

    /** As PyTorch prints a tensor: values (abbreviated when large), then shape, dtype and device. */
    @Override
    public String toString() {
        return isClosed() ? "tensor(closed)" : TensorFormatter.format(this);
    }

    // ---- Arithmetic ----

    public Tensor add(Tensor other) {
        return Arithmetic.add(this, other, 1);
    }

    /** {@code this + alpha * other}. */
    public Tensor add(Tensor other, double alpha) {
        return Arithmetic.add(this, other, alpha);
    }

    public Tensor add(double value) {
        try (TensorHandle scalar = scalarFor(value)) {
            return Arithmetic.add(this, scalar, 1);
        }
    }

    public Tensor add(long value) {
        try (TensorHandle scalar = ShimOps.scalar(value)) {
            return Arithmetic.add(this, scalar, 1);
        }
    }

    public Tensor sub(Tensor other) {
        return Arithmetic.add(this, other, -1);
    }

    public Tensor sub(double value) {
        return add(-value);
    }

    public Tensor sub(long value) {
        return add(-value);
    }

    public Tensor mul(Tensor other) {
        return binary(Aten.MUL_TENSOR, other);
    }

    public Tensor mul(double value) {
        return binaryScalar(Aten.MUL_TENSOR, value);
    }

    public Tensor mul(long value) {
        return binaryScalar(Aten.MUL_TENSOR, value);
    }

    /** True division (integer tensors give floats). */
    public Tensor div(Tensor other) {
        return binary(Aten.DIV_TENSOR, other);
    }

    public Tensor div(double value) {
        return binaryScalar(Aten.DIV_TENSOR, value);
    }

    /** Division rounded by {@code roundingMode}: {@code "trunc"} or {@code "floor"}. */
    public Tensor div(Tensor other, String roundingMode) {
        if (!roundingMode.equals("trunc") && !roundingMode.equals("floor")) {
            throw new IllegalArgumentException("rounding mode must be 'trunc' or 'floor', got '" + roundingMode + "'");
        }
        return wrap(Aten.DIV_TENSOR_MODE.call().tensor(handle()).tensor(other.handle()).string(roundingMode).callTensor());
    }

    /** {@code 1 / this}. */
    public Tensor reciprocal() {
        return unary(Aten.RECIPROCAL);
    }

    public Tensor neg() {
        return unary(Aten.NEG);
    }

    public Tensor pow(Tensor exponent) {
        return binary(Aten.POW_TENSOR_TENSOR, exponent);
    }

    public Tensor pow(double exponent) {
        return binaryScalar(Aten.POW_TENSOR_TENSOR, exponent);
    }

    public Tensor square() {
        return unary(Aten.SQUARE);
    }

    /** Elementwise maximum of two tensors (broadcast). */
    public Tensor maximum(Tensor other) {
        return binary(Aten.MAXIMUM, other);
    }

    /** Elementwise minimum of two tensors (broadcast). */
    public Tensor minimum(Tensor other) {
        return binary(Aten.MINIMUM, other);
    }

    // ---- Comparisons and selection (results are bool tensors) ----

    public Tensor eq(Tensor other) {
        return binary(Aten.EQ_TENSOR, other);
    }

    public Tensor eq(double value) {
        return binaryScalar(Aten.EQ_TENSOR, value);
    }

    public Tensor ne(Tensor other) {
        return binary(Aten.NE_TENSOR, other);
    }

    public Tensor ne(double value) {
        return binaryScalar(Aten.NE_TENSOR, value);
    }

    public Tensor lt(Tensor other) {
        return binary(Aten.LT_TENSOR, other);
    }

    public Tensor lt(double value) {
        return binaryScalar(Aten.LT_TENSOR, value);
    }

    public Tensor le(Tensor other) {
        return binary(Aten.LE_TENSOR, other);
    }

    public Tensor le(double value) {
        return binaryScalar(Aten.LE_TENSOR, value);
    }

    public Tensor gt(Tensor other) {
        return binary(Aten.GT_TENSOR, other);
    }

    public Tensor gt(double value) {
        return binaryScalar(Aten.GT_TENSOR, value);
    }

    public Tensor ge(Tensor other) {
        return binary(Aten.GE_TENSOR, other);
    }

    public Tensor ge(double value) {
        return binaryScalar(Aten.GE_TENSOR, value);
    }

    /** Whether each element is neither NaN nor infinite (bool). */
    public Tensor isFinite() {
        return unary(Aten.ISFINITE);
    }

    public Tensor logicalNot() {
        return unary(Aten.LOGICAL_NOT);
    }

    public Tensor logicalAnd(Tensor other) {
        return binary(Aten.LOGICAL_AND, other);
    }

    public Tensor logicalOr(Tensor other) {
        return binary(Aten.LOGICAL_OR, other);
    }

    /** {@code condition ? x : y}, elementwise with broadcasting. */
    public static Tensor where(Tensor condition, Tensor x, Tensor y) {
        return wrap(Aten.WHERE_SELF.call().tensor(condition.handle()).tensor(x.handle()).tensor(y.handle()).callTensor());
    }

    // ---- Elementwise math ----

    public Tensor exp() {
        return unary(Aten.EXP);
    }

    public Tensor log() {
        return unary(Aten.LOG);
    }

    public Tensor sqrt() {
        return unary(Aten.SQRT);
    }

    public Tensor rsqrt() {
        return unary(Aten.RSQRT);
    }

    public Tensor abs() {
        return unary(Aten.ABS);
    }

    public Tensor sign() {
        return unary(Aten.SIGN);
    }

    /** Rounds half to even, as PyTorch does. */
    public Tensor round() {
        return unary(Aten.ROUND);
    }

    public Tensor floor() {
        return unary(Aten.FLOOR);
    }

    public Tensor ceil() {
        return unary(Aten.CEIL);
    }

    public Tensor relu() {
        return unary(Aten.RELU);
    }

    public Tensor sigmoid() {
        return unary(Aten.SIGMOID);
    }

    public Tensor tanh() {
        return unary(Aten.TANH);
    }

    /** GELU with the exact (erf) form. */
    public Tensor gelu() {
        return gelu("none");
    }

    /** GELU; {@code approximate} is {@code "none"} (erf) or {@code "tanh"}. */
    public Tensor gelu(String approximate) {
        if (!approximate.equals("none") && !approximate.equals("tanh")) {
            throw new IllegalArgumentException("gelu approximation must be 'none' or 'tanh', got '" + approximate + "'");
        }
        return wrap(Aten.GELU.call().tensor(handle()).string(approximate).callTensor());
    }

    public Tensor softmax(int dim) {
        return wrap(Aten.SOFTMAX_INT.call().tensor(handle()).int64(dim).none().callTensor());
    }

    public Tensor logSoftmax(int dim) {
        return wrap(Aten.LOG_SOFTMAX_INT.call().tensor(handle()).int64(dim).none().callTensor());
    }

    /** Clamps to [min, max]; either bound may be NaN to leave that side open. */
    public Tensor clamp(double min, double max) {
        try (TensorHandle lower = Double.isNaN(min) ? null : boundFor(min);
                TensorHandle upper = Double.isNaN(max) ? null : boundFor(max)) {
            OpCall call = Aten.CLAMP_TENSOR.call().tensor(handle());
            return wrap(optional(optional(call, lower), upper).callTensor());
        }
    }

    public Tensor clampMin(double min) {
        return clamp(min, Double.NaN);
    }

    public Tensor clampMax(double max) {
        return clamp(Double.NaN, max);
    }

    // ---- Reductions ----

    /** Sum of all elements (0-dim). */
    public Tensor sum() {
        return wrap(Aten.SUM.call().tensor(handle()).none().callTensor());
    }

    public Tensor sum(int dim, boolean keepDim) {
        return sum(new int[] {dim}, keepDim);
    }

    public Tensor sum(int[] dims, boolean keepDim) {
        return wrap(Aten.SUM_DIM_INTLIST.call().tensor(handle()).intList(Shapes.toLongs(dims)).bool(keepDim).none()
                .callTensor());
    }

    /** Mean of all elements (0-dim). */
    public Tensor mean() {
        return wrap(Aten.MEAN.call().tensor(handle()).none().callTensor());
    }

    public Tensor mean(int dim, boolean keepDim) {
        return mean(new int[] {dim}, keepDim);
    }

    public Tensor mean(int[] dims, boolean keepDim) {
        return wrap(Aten.MEAN_DIM.call().tensor(handle()).intList(Shapes.toLongs(dims)).bool(keepDim).none().callTensor());
    }

    /** Largest element (0-dim). */
    public Tensor max() {
        return unary(Aten.MAX);
    }

    /** Largest elements along {@code dim}, with their indices. */
    public ValuesAndIndices max(int dim, boolean keepDim) {
        return ValuesAndIndices.of(Aten.MAX_DIM.call().tensor(handle()).int64(dim).bool(keepDim).callTensors());
    }

    /** Smallest element (0-dim). */
    public Tensor min() {
        return unary(Aten.MIN);
    }

    /** Smallest elements along {@code dim}, with their indices. */
    public ValuesAndIndices min(int dim, boolean keepDim) {
        return ValuesAndIndices.of(Aten.MIN_DIM.call().tensor(handle()).int64(dim).bool(keepDim).callTensors());
    }

    /** Index of the largest element of the flattened tensor. */
    public Tensor argmax() {
        return wrap(Aten.ARGMAX.call().tensor(handle()).none().bool(false).callTensor());
    }

    public Tensor argmax(int dim, boolean keepDim) {
        return wrap(Aten.ARGMAX.call().tensor(handle()).int64(dim).bool(keepDim).callTensor());
    }

    /** Euclidean norm of all elements (0-dim). */
    public Tensor norm() {
        return norm(Shapes.allDims(dim()), false);
    }

    /** Euclidean norm over {@code dims}. */
    public Tensor norm(int[] dims, boolean keepDim) {
        return wrap(Aten.NORM_SCALAROPT_DIM.call().tensor(handle()).none().intList(Shapes.toLongs(dims)).bool(keepDim)
                .callTensor());
    }

    /** The p-norm over {@code dims} ({@code p} > 0, or infinity for the largest magnitude). */
    public Tensor norm(double p, int[] dims, boolean keepDim) {
        return Arithmetic.pNorm(this, p, dims, keepDim);
    }

    /** Sorted values along {@code dim}, with the indices they came from. */
    public ValuesAndIndices sort(int dim, boolean descending) {
        return ValuesAndIndices.of(Aten.SORT.call().tensor(handle()).int64(dim).bool(descending).callTensors());
    }

    public Tensor cumsum(int dim) {
        return wrap(Aten.CUMSUM.call().tensor(handle()).int64(dim).none().callTensor());
    }

    // ---- Linear algebra ----

    /** Matrix product with PyTorch's broadcasting rules for 1-d and batched operands. */
    public Tensor matmul(Tensor other) {
        return binary(Aten.MATMUL, other);
    }

    public Tensor mm(Tensor other) {
        return binary(Aten.MM, other);
    }

    public Tensor bmm(Tensor other) {
        return binary(Aten.BMM, other);
    }

    /** {@code this @ weight^T + bias}; {@code bias} may be null. */
    public Tensor linear(Tensor weight, Tensor bias) {
        return wrap(optional(Aten.LINEAR.call().tensor(handle()).tensor(weight.handle()), bias).callTensor());
    }

    /** Singular values of a matrix (or a batch of them), in descending order; differentiable. */
    public Tensor svdvals() {
        return wrap(Aten.LINALG_SVDVALS.call().tensor(handle()).none().callTensor());
    }

    /** Transpose of a tensor of at most 2 dimensions. */
    public Tensor t() {
        return unary(Aten.T);
    }

    public Tensor transpose(int dim0, int dim1) {
        return wrap(Aten.TRANSPOSE_INT.call().tensor(handle()).int64(dim0).int64(dim1).callTensor());
    }

    // ---- Convolution, pooling, normalisation ----

    /** 2-d convolution with square stride and padding, no dilation, one group; {@code bias} may be null. */
    public Tensor conv2d(Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(weight, bias, new int[] {stride, stride}, new int[] {padding, padding}, new int[] {1, 1}, 1);
    }

    /** 2-d convolution (input NCHW, weight {@code [out, in/groups, kh, kw]}); {@code bias} may be null. */
    public Tensor conv2d(Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return Convolution.conv2d(this, weight, bias, stride, padding, dilation, groups);
    }

    /** Transposed 2-d convolution with square stride and padding; {@code bias} may be null. */
    public Tensor convTranspose2d(Tensor weight, Tensor bias, int stride, int padding) {
        return convTranspose2d(weight, bias, new int[] {stride, stride}, new int[] {padding, padding}, new int[] {0, 0},
                new int[] {1, 1}, 1);
    }

    /** Transposed 2-d convolution (weight {@code [in, out/groups, kh, kw]}); {@code bias} may be null. */
    public Tensor convTranspose2d(Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding,
            int[] dilation, int groups) {
        return Convolution.convTranspose2d(this, weight, bias, stride, padding, outputPadding, dilation, groups);
    }

    /** Average pooling with a square window and stride, no padding. */
    public Tensor avgPool2d(int kernel, int stride) {
        return avgPool2d(new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {0, 0}, false, true, null);
    }

    /**
     * Average pooling; {@code divisorOverride}, if not null, divides each window's sum instead of
     * its size.
     */
    public Tensor avgPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad,
            Integer divisorOverride) {
        return Convolution.avgPool2d(this, kernel, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    /** Max pooling with a square window and stride, no padding. */
    public Tensor maxPool2d(int kernel, int stride) {
        return maxPool2d(new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {0, 0}, new int[] {1, 1}, false);
    }

    public Tensor maxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return Convolution.maxPool2d(this, kernel, stride, padding, dilation, ceilMode);
    }

    public Tensor adaptiveAvgPool2d(long height, long width) {
        return wrap(Aten.ADAPTIVE_AVG_POOL2D.call().tensor(handle()).intList(height, width).callTensor());
    }

    /** Layer normalisation over the trailing {@code normalizedShape}; {@code weight}, {@code bias} may be null. */
    public Tensor layerNorm(long[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        OpCall call = Aten.LAYER_NORM.call().tensor(handle()).intList(normalizedShape);
        return wrap(optional(optional(call, weight), bias).float64(eps).bool(true).callTensor());
    }

    /**
     * Scaled dot-product attention, {@code softmax(q k^T * scale + mask) v}; {@code mask} may be
     * null, {@code scale} null means {@code 1/sqrt(head size)}.
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor mask, boolean causal,
            Double scale) {
        OpCall call = Aten.SCALED_DOT_PRODUCT_ATTENTION.call().tensor(query.handle()).tensor(key.handle())
                .tensor(value.handle());
        call = optional(call, mask).float64(0).bool(causal);
        call = scale == null ? call.none() : call.float64(scale);
        return wrap(call.bool(false).callTensor());
    }

    // ---- Shapes ----

    /** A tensor with the same values in {@code shape} (a view when possible); one size may be -1. */
    public Tensor reshape(long... shape) {
        return wrap(Aten.RESHAPE.call().tensor(handle()).intList(shape).callTensor());
    }

    /** A view with {@code shape}; fails if the memory layout does not allow it (use {@link #reshape}). */
    public Tensor view(long... shape) {
        return wrap(Aten.VIEW.call().tensor(handle()).intList(shape).callTensor());
    }

    public Tensor permute(int... dims) {
        return wrap(Aten.PERMUTE.call().tensor(handle()).intList(Shapes.toLongs(dims)).callTensor());
    }

    /** Flattens all dimensions into one. */
    public Tensor flatten() {
        return flatten(0, -1);
    }

    /** Flattens dimensions {@code startDim..endDim} (inclusive) into one. */
    public Tensor flatten(int startDim, int endDim) {
        return wrap(Aten.FLATTEN_USING_INTS.call().tensor(handle()).int64(startDim).int64(endDim).callTensor());
    }

    /** Removes every dimension of size 1. */
    public Tensor squeeze() {
        return unary(Aten.SQUEEZE);
    }

    /** Removes dimension {@code dim} if its size is 1. */
    public Tensor squeeze(int dim) {
        return wrap(Aten.SQUEEZE_DIM.call().tensor(handle()).int64(dim).callTensor());
    }

    public Tensor unsqueeze(int dim) {
        return wrap(Aten.UNSQUEEZE.call().tensor(handle()).int64(dim).callTensor());
    }

    /** A broadcast view with {@code shape} (-1 keeps a size). */
    public Tensor expand(long... shape) {
        return wrap(Aten.EXPAND.call().tensor(handle()).intList(shape).bool(false).callTensor());
    }

    public static Tensor cat(List<Tensor> tensors, int dim) {
        return wrap(Aten.CAT.call().tensorList(handles(tensors)).int64(dim).callTensor());
    }

    public static Tensor stack(List<Tensor> tensors, int dim) {
        return wrap(Aten.STACK.call().tensorList(handles(tensors)).int64(dim).callTensor());
    }

    /** Pieces of {@code size} along {@code dim} (the last may be smaller); views. */
    public List<Tensor> split(long size, int dim) {
        return wrapAll(Aten.SPLIT_TENSOR.call().tensor(handle()).int64(size).int64(dim).callTensors());
    }

    /** Pieces of the given sizes along {@code dim}; views. */
    public List<Tensor> split(long[] sizes, int dim) {
        return wrapAll(Aten.SPLIT_WITH_SIZES.call().tensor(handle()).intList(sizes).int64(dim).callTensors());
    }

    /** {@code chunks} nearly equal pieces along {@code dim}; views. */
    public List<Tensor> chunk(int chunks, int dim) {
        return wrapAll(Aten.CHUNK.call().tensor(handle()).int64(chunks).int64(dim).callTensors());
    }

    /** A view of {@code length} entries of {@code dim} from {@code start}. */
    public Tensor narrow(int dim, long start, long length) {
        return wrap(ShimOps.narrow(handle(), dim, start, length));
    }

    /** A view of entry {@code index} of {@code dim}, which is removed. */
    public Tensor select(int dim, long index) {
        return wrap(Aten.SELECT_INT.call().tensor(handle()).int64(dim).int64(index).callTensor());
    }

    /** Entries of {@code dim} at {@code index} (an int64 vector), copied. */
    public Tensor indexSelect(int dim, Tensor index) {
        return wrap(Aten.INDEX_SELECT.call().tensor(handle()).int64(dim).tensor(index.handle()).callTensor());
    }

    /**
     * Pads the trailing dimensions; {@code padding} holds (before, after) pairs, last dimension
     * first, as PyTorch's {@code F.pad}. {@code value} fills {@link PadMode#CONSTANT} padding.
     */
    public Tensor pad(long[] padding, PadMode mode, double value) {
        if (padding.length % 2 != 0) {
            throw new IllegalArgumentException("padding needs (before, after) pairs, got " + Arrays.toString(padding));
        }
        OpCall call = Aten.PAD.call().tensor(handle()).intList(padding).string(mode.torchName());
        return wrap((mode == PadMode.CONSTANT ? call.float64(value) : call.none()).callTensor());
    }

    public Tensor flip(int... dims) {
        return wrap(Aten.FLIP.call().tensor(handle()).intList(Shapes.toLongs(dims)).callTensor());
    }

    /** A row-major copy, or this tensor's data if already row-major. */
    public Tensor contiguous() {
        return contiguous(MemoryFormat.CONTIGUOUS);
    }

    /** The values laid out in {@code format} (e.g. {@link MemoryFormat#CHANNELS_LAST} for NCHW tensors). */
    public Tensor contiguous(MemoryFormat format) {
        if (format == MemoryFormat.PRESERVE) {
            throw new IllegalArgumentException("contiguous() needs a concrete memory format, not PRESERVE");
        }
        return wrap(Aten.CONTIGUOUS.call().tensor(handle()).memoryFormat(format.code()).callTensor());
    }

    /**
     * Resizes the spatial dimensions of an NCHW tensor to {@code height x width}.
     * {@code antialias} (bilinear and bicubic only) low-pass filters when shrinking, as PIL does.
     */
    public Tensor interpolate(long height, long width, Interpolation mode, boolean alignCorners, boolean antialias) {
        return Resize.interpolate(this, height, width, mode, alignCorners, antialias);
    }

    // ---- Conversions and copies ----

    /** This tensor in {@code dtype} (this tensor's data if already so). */
    public Tensor to(DType dtype) {
        return wrap(Aten.TO_DTYPE.call().tensor(handle()).scalarType(dtype.code()).bool(false).bool(false).none()
                .callTensor());
    }

    /** This tensor on {@code device} (this tensor's data if already there). */
    public Tensor to(Device device) {
        device.requireAvailable();
        return wrap(Aten.TO_DEVICE.call().tensor(handle()).device(device.typeCode(), device.isCuda() ? device.index() : -1)
                .scalarType(dtype().code()).bool(false).bool(false).none().callTensor());
    }

    /** A copy with its own memory; gradients flow back to this tensor. */
    @Override
    public Tensor clone() {
        return wrap(Aten.CLONE.call().tensor(handle()).none().callTensor());
    }

    /** A new tensor sharing this one's data, cut from the autograd graph. */
    public Tensor detach() {
        return unary(Aten.DETACH);
    }

    // ---- In place (for optimizers; like PyTorch, refused on leaves that require grad while grad mode is on) ----

    /** {@code this += other}. */
    public Tensor add_(Tensor other) {
        return add_(other, 1);
    }

    /** {@code this += alpha * other}. */
    public Tensor add_(Tensor other, double alpha) {
        try (TensorHandle one = ShimOps.scalar(1L)) {
            return InPlace.addcmul(this, other.handle(), one, alpha);
        }
    }

    /** {@code this -= other}. */
    public Tensor sub_(Tensor other) {
        return add_(other, -1);
    }

    /** {@code max(this, 0)} in place; recorded by autograd (ReLU's backward needs only its output). */
    public Tensor relu_() {
        Aten.RELU_INPLACE.call().tensor(handle()).callVoid();
        return this;
    }

    public Tensor mul_(Tensor other) {
        return InPlace.apply(this, Aten.MUL_INPLACE, other.handle());
    }

    public Tensor mul_(double value) {
        try (TensorHandle scalar = scalarFor(value)) {
            return InPlace.apply(this, Aten.MUL_INPLACE, scalar);
        }
    }

    public Tensor div_(Tensor other) {
        return InPlace.apply(this, Aten.DIV_INPLACE, other.handle());
    }

    public Tensor div_(double value) {
        try (TensorHandle scalar = scalarFor(value)) {
            return InPlace.apply(this, Aten.DIV_INPLACE, scalar);
        }
    }

    /** {@code this += value * t1 * t2}. */
    public Tensor addcmul_(Tensor t1, Tensor t2, double value) {
        return InPlace.addcmul(this, t1.handle(), t2.handle(), value);
    }

    /** {@code this += value * t1 / t2}. */
    public Tensor addcdiv_(Tensor t1, Tensor t2, double value) {
        return InPlace.addcdiv(this, t1.handle(), t2.handle(), value);
    }

    /** Copies {@code source}'s values (broadcast, converted) into this tensor. */
    public Tensor copy_(Tensor source) {
        Aten.COPY_INPLACE.call().tensor(handle()).tensor(source.handle()).bool(false).callVoid();
        return this;
    }

    public Tensor zero_() {
        Aten.ZERO_INPLACE.call().tensor(handle()).callVoid();
        return this;
    }

    public Tensor fill_(double value) {
        ShimOps.fill(handle(), value);
        return this;
    }

    /** Clamps in place to [min, max]; NaN leaves a side open. */
    public Tensor clamp_(double min, double max) {
        try (TensorHandle lower = Double.isNaN(min) ? null : boundFor(min);
                TensorHandle upper = Double.isNaN(max) ? null : boundFor(max)) {
            optional(optional(Aten.CLAMP_INPLACE.call().tensor(handle()), lower), upper).callVoid();
            return this;
        }
    }

    // ---- Autograd ----

    /**
     * libtorch's version counter of this tensor's data: every in-place change (an optimizer step,
     * {@link #copy_}, ...) increases it, and views share it. Caches of values derived from a
     * tensor compare it to know whether they are stale.
     */
    public long version() {
        return Aten.VERSION.call().tensor(handle()).callInt();
    }

    /** Whether autograd records ops on this tensor. */
    public boolean requiresGrad() {
        return handle().requiresGrad();
    }

    /** Makes this leaf tensor record gradients (or stop); returns this tensor. */
    public Tensor requiresGrad(boolean requiresGrad) {
        handle().setRequiresGrad(requiresGrad);
        return this;
    }

    /** Back-propagates from this one-element tensor into the leaves' {@link #grad()}s. */
    public void backward() {
        backward(null, false);
    }

    /** Back-propagates {@code gradient} (same shape as this tensor, or null for a scalar's 1). */
    public void backward(Tensor gradient) {
        backward(gradient, false);
    }

    /** As {@link #backward(Tensor)}; {@code retainGraph} keeps the graph for another backward pass. */
    public void backward(Tensor gradient, boolean retainGraph) {
        backward(gradient, retainGraph, List.of());
    }

    /**
     * As {@link #backward(Tensor, boolean)}, accumulating gradients only into {@code inputs}
     * (every leaf that requires grad when the list is empty), as PyTorch's {@code inputs=}.
     */
    public void backward(Tensor gradient, boolean retainGraph, List<Tensor> inputs) {
        TensorHandle[] targets = new TensorHandle[inputs.size()];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = inputs.get(i).handle();
        }
        TensorHandle self = handle();
        TensorHandle gradientHandle = gradient == null ? null : gradient.handle();
        OpCall call = Aten.BACKWARD.call().tensor(self).tensorList(targets);
        call = gradientHandle == null ? call.none() : call.tensor(gradientHandle);
        call.bool(retainGraph).bool(false).callVoid();
    }

    /**
     * The gradient accumulated by {@link #backward()}, or null. It shares memory with the real
     * gradient: changing it in place changes what an optimizer sees.
     */
    public Tensor grad() {
        TensorHandle gradient = handle().grad();
        return gradient == null ? null : wrap(gradient);
    }

    /** Sets the gradient to zeros in place, if there is one. */
    public void zeroGrad() {
        try (TensorHandle gradient = handle().grad()) {
            if (gradient != null) {
                Aten.ZERO_INPLACE.call().tensor(gradient).callVoid();
            }
        }
    }

    /** Removes the gradient (the next backward starts from nothing), as {@code t.grad = None}. */
    public void clearGrad() {
        handle().clearGrad();
    }

    // ---- Helpers ----

    private Tensor unary(AtenOp op) {
        return wrap(op.call().tensor(handle()).callTensor());
    }

    private Tensor binary(AtenOp op, Tensor other) {
        return wrap(op.call().tensor(handle()).tensor(other.handle()).callTensor());
    }

    private Tensor binaryScalar(AtenOp op, double value) {
        try (TensorHandle scalar = scalarFor(value)) {
            return wrap(op.call().tensor(handle()).tensor(scalar).callTensor());
        }
    }

    private Tensor binaryScalar(AtenOp op, long value) {
        try (TensorHandle scalar = ShimOps.scalar(value)) {
            return wrap(op.call().tensor(handle()).tensor(scalar).callTensor());
        }
    }

    /** A 0-dim CPU tensor for a Java double: float64 beside float64, else float32 (PyTorch's default dtype). */
    TensorHandle scalarFor(double value) {
        return dtype() == DType.FLOAT64 ? ShimOps.scalar(value) : ShimOps.scalar((float) value);
    }

    /** A clamp bound: 0-dim on this tensor's device and dtype (CUDA's clamp takes no CPU bounds). */
    private TensorHandle boundFor(double value) {
        Device device = device();
        return ShimOps.full(new long[0], value, dtype().code(), device.typeCode(), device.indexCode());
    }

    static OpCall optional(OpCall call, Tensor tensor) {
        return tensor == null ? call.none() : call.tensor(tensor.handle());
    }

    private static OpCall optional(OpCall call, TensorHandle tensor) {
        return tensor == null ? call.none() : call.tensor(tensor);
    }

    private static TensorHandle[] handles(List<Tensor> tensors) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("needs at least one tensor");
        }
        TensorHandle[] handles = new TensorHandle[tensors.size()];
        for (int i = 0; i < handles.length; i++) {
            handles[i] = tensors.get(i).handle();
        }
        return handles;
    }

    static List<Tensor> wrapAll(TensorHandle[] handles) {
        List<Tensor> tensors = new ArrayList<>(handles.length);
        for (TensorHandle h : handles) {
            tensors.add(wrap(h));
        }
        return List.copyOf(tensors);
    }
}
