package dev.lipsim.tensor;

import dev.lipsim.bindings.AtenOp;

/**
 * Every ATen op the tensor layer calls, declared by its schema as printed by PyTorch
 * ({@code torch._C._jit_get_all_schemas()}), so each can be checked against
 * {@code native_functions.yaml} at a glance.
 */
final class Aten {

    private Aten() {}

    static final AtenOp MUL_TENSOR = AtenOp.of("aten::mul.Tensor(Tensor self, Tensor other) -> Tensor");
    static final AtenOp DIV_TENSOR = AtenOp.of("aten::div.Tensor(Tensor self, Tensor other) -> Tensor");
    static final AtenOp DIV_TENSOR_MODE = AtenOp.of("aten::div.Tensor_mode(Tensor self, Tensor other, *, str? rounding_mode) -> Tensor");
    static final AtenOp NEG = AtenOp.of("aten::neg(Tensor self) -> Tensor");
    static final AtenOp POW_TENSOR_TENSOR = AtenOp.of("aten::pow.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor");
    static final AtenOp EQ_TENSOR = AtenOp.of("aten::eq.Tensor(Tensor self, Tensor other) -> Tensor");
    static final AtenOp NE_TENSOR = AtenOp.of("aten::ne.Tensor(Tensor self, Tensor other) -> Tensor");
    static final AtenOp LT_TENSOR = AtenOp.of("aten::lt.Tensor(Tensor self, Tensor other) -> Tensor");
    static final AtenOp LE_TENSOR = AtenOp.of("aten::le.Tensor(Tensor self, Tensor other) -> Tensor");
    static final AtenOp GT_TENSOR = AtenOp.of("aten::gt.Tensor(Tensor self, Tensor other) -> Tensor");
    static final AtenOp GE_TENSOR = AtenOp.of("aten::ge.Tensor(Tensor self, Tensor other) -> Tensor");
    static final AtenOp WHERE_SELF = AtenOp.of("aten::where.self(Tensor condition, Tensor self, Tensor other) -> Tensor");
    static final AtenOp EXP = AtenOp.of("aten::exp(Tensor self) -> Tensor");
    static final AtenOp LOG = AtenOp.of("aten::log(Tensor self) -> Tensor");
    static final AtenOp SQRT = AtenOp.of("aten::sqrt(Tensor self) -> Tensor");
    static final AtenOp RSQRT = AtenOp.of("aten::rsqrt(Tensor self) -> Tensor");
    static final AtenOp ABS = AtenOp.of("aten::abs(Tensor self) -> Tensor");
    static final AtenOp SIGN = AtenOp.of("aten::sign(Tensor self) -> Tensor");
    static final AtenOp RELU = AtenOp.of("aten::relu(Tensor self) -> Tensor");
    static final AtenOp SIGMOID = AtenOp.of("aten::sigmoid(Tensor self) -> Tensor");
    static final AtenOp TANH = AtenOp.of("aten::tanh(Tensor self) -> Tensor");
    static final AtenOp GELU = AtenOp.of("aten::gelu(Tensor self, *, str approximate=\"none\") -> Tensor");
    static final AtenOp SOFTMAX_INT = AtenOp.of("aten::softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor");
    static final AtenOp LOG_SOFTMAX_INT = AtenOp.of("aten::log_softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor");
    static final AtenOp CLAMP_TENSOR = AtenOp.of("aten::clamp.Tensor(Tensor self, Tensor? min=None, Tensor? max=None) -> Tensor");
    static final AtenOp SUM = AtenOp.of("aten::sum(Tensor self, *, ScalarType? dtype=None) -> Tensor");
    static final AtenOp SUM_DIM_INTLIST = AtenOp.of("aten::sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor");
    static final AtenOp MEAN = AtenOp.of("aten::mean(Tensor self, *, ScalarType? dtype=None) -> Tensor");
    static final AtenOp MEAN_DIM = AtenOp.of("aten::mean.dim(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor");
    static final AtenOp MAX_DIM = AtenOp.of("aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)");
    static final AtenOp MIN_DIM = AtenOp.of("aten::min.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)");
    static final AtenOp MAX = AtenOp.of("aten::max(Tensor self) -> Tensor");
    static final AtenOp MIN = AtenOp.of("aten::min(Tensor self) -> Tensor");
    static final AtenOp ARGMAX = AtenOp.of("aten::argmax(Tensor self, int? dim=None, bool keepdim=False) -> Tensor");
    static final AtenOp NORM_SCALAROPT_DIM = AtenOp.of("aten::norm.ScalarOpt_dim(Tensor self, Scalar? p, int[1] dim, bool keepdim=False) -> Tensor");
    static final AtenOp CUMSUM = AtenOp.of("aten::cumsum(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor");
    static final AtenOp AMAX = AtenOp.of("aten::amax(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor");
    static final AtenOp MATMUL = AtenOp.of("aten::matmul(Tensor self, Tensor other) -> Tensor");
    static final AtenOp MM = AtenOp.of("aten::mm(Tensor self, Tensor mat2) -> Tensor");
    static final AtenOp BMM = AtenOp.of("aten::bmm(Tensor self, Tensor mat2) -> Tensor");
    static final AtenOp LINEAR = AtenOp.of("aten::linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor");
    static final AtenOp T = AtenOp.of("aten::t(Tensor(a) self) -> Tensor(a)");
    static final AtenOp TRANSPOSE_INT = AtenOp.of("aten::transpose.int(Tensor(a) self, int dim0, int dim1) -> Tensor(a)");
    static final AtenOp CONV2D = AtenOp.of("aten::conv2d(Tensor input, Tensor weight, Tensor? bias=None, SymInt[2] stride=[1, 1], SymInt[2] padding=[0, 0], SymInt[2] dilation=[1, 1], SymInt groups=1) -> Tensor");
    static final AtenOp CONV_TRANSPOSE2D_INPUT = AtenOp.of("aten::conv_transpose2d.input(Tensor input, Tensor weight, Tensor? bias=None, SymInt[2] stride=[1, 1], SymInt[2] padding=[0, 0], SymInt[2] output_padding=[0, 0], SymInt groups=1, SymInt[2] dilation=[1, 1]) -> Tensor");
    static final AtenOp AVG_POOL2D = AtenOp.of("aten::avg_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, bool ceil_mode=False, bool count_include_pad=True, int? divisor_override=None) -> Tensor");
    static final AtenOp MAX_POOL2D = AtenOp.of("aten::max_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, int[2] dilation=1, bool ceil_mode=False) -> Tensor");
    static final AtenOp ADAPTIVE_AVG_POOL2D = AtenOp.of("aten::adaptive_avg_pool2d(Tensor self, SymInt[2] output_size) -> Tensor");
    static final AtenOp LAYER_NORM = AtenOp.of("aten::layer_norm(Tensor input, SymInt[] normalized_shape, Tensor? weight=None, Tensor? bias=None, float eps=1.0000000000000001e-05, bool cudnn_enable=True) -> Tensor");
    static final AtenOp SCALED_DOT_PRODUCT_ATTENTION = AtenOp.of("aten::scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, float dropout_p=0., bool is_causal=False, *, float? scale=None, bool enable_gqa=False) -> Tensor");
    static final AtenOp RESHAPE = AtenOp.of("aten::reshape(Tensor(a) self, SymInt[] shape) -> Tensor(a)");
    static final AtenOp VIEW = AtenOp.of("aten::view(Tensor(a) self, SymInt[] size) -> Tensor(a)");
    static final AtenOp PERMUTE = AtenOp.of("aten::permute(Tensor(a) self, int[] dims) -> Tensor(a)");
    static final AtenOp FLATTEN_USING_INTS = AtenOp.of("aten::flatten.using_ints(Tensor(a) self, int start_dim=0, int end_dim=-1) -> Tensor(a)");
    static final AtenOp SQUEEZE = AtenOp.of("aten::squeeze(Tensor(a) self) -> Tensor(a)");
    static final AtenOp SQUEEZE_DIM = AtenOp.of("aten::squeeze.dim(Tensor(a) self, int dim) -> Tensor(a)");
    static final AtenOp UNSQUEEZE = AtenOp.of("aten::unsqueeze(Tensor(a) self, int dim) -> Tensor(a)");
    static final AtenOp EXPAND = AtenOp.of("aten::expand(Tensor(a) self, SymInt[] size, *, bool implicit=False) -> Tensor(a)");
    static final AtenOp CAT = AtenOp.of("aten::cat(Tensor[] tensors, int dim=0) -> Tensor");
    static final AtenOp STACK = AtenOp.of("aten::stack(Tensor[] tensors, int dim=0) -> Tensor");
    static final AtenOp SPLIT_TENSOR = AtenOp.of("aten::split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) -> Tensor(a)[]");
    static final AtenOp SPLIT_WITH_SIZES = AtenOp.of("aten::split_with_sizes(Tensor(a -> *) self, SymInt[] split_sizes, int dim=0) -> Tensor(a)[]");
    static final AtenOp CHUNK = AtenOp.of("aten::chunk(Tensor(a -> *) self, int chunks, int dim=0) -> Tensor(a)[]");
    static final AtenOp SELECT_INT = AtenOp.of("aten::select.int(Tensor(a) self, int dim, SymInt index) -> Tensor(a)");
    static final AtenOp INDEX_SELECT = AtenOp.of("aten::index_select(Tensor self, int dim, Tensor index) -> Tensor");
    static final AtenOp PAD = AtenOp.of("aten::pad(Tensor self, SymInt[] pad, str mode=\"constant\", float? value=None) -> Tensor");
    static final AtenOp FLIP = AtenOp.of("aten::flip(Tensor self, int[] dims) -> Tensor");
    static final AtenOp CONTIGUOUS = AtenOp.of("aten::contiguous(Tensor(a) self, *, MemoryFormat memory_format=0) -> Tensor(a)");
    static final AtenOp UPSAMPLE_BILINEAR2D_AA = AtenOp.of("aten::_upsample_bilinear2d_aa(Tensor self, SymInt[2] output_size, bool align_corners, float? scales_h=None, float? scales_w=None) -> Tensor");
    static final AtenOp UPSAMPLE_BICUBIC2D_AA = AtenOp.of("aten::_upsample_bicubic2d_aa(Tensor self, SymInt[2] output_size, bool align_corners, float? scales_h=None, float? scales_w=None) -> Tensor");
    static final AtenOp UPSAMPLE_BILINEAR2D = AtenOp.of("aten::upsample_bilinear2d(Tensor self, SymInt[2] output_size, bool align_corners, float? scales_h=None, float? scales_w=None) -> Tensor");
    static final AtenOp UPSAMPLE_BICUBIC2D = AtenOp.of("aten::upsample_bicubic2d(Tensor self, SymInt[2] output_size, bool align_corners, float? scales_h=None, float? scales_w=None) -> Tensor");
    static final AtenOp UPSAMPLE_NEAREST2D = AtenOp.of("aten::upsample_nearest2d(Tensor self, SymInt[2] output_size, float? scales_h=None, float? scales_w=None) -> Tensor");
    static final AtenOp TO_DTYPE = AtenOp.of("aten::to.dtype(Tensor(a) self, ScalarType dtype, bool non_blocking=False, bool copy=False, MemoryFormat? memory_format=None) -> Tensor(a)");
    static final AtenOp TO_DEVICE = AtenOp.of("aten::to.device(Tensor(a) self, Device device, ScalarType dtype, bool non_blocking=False, bool copy=False, MemoryFormat? memory_format=None) -> Tensor(a)");
    static final AtenOp CLONE = AtenOp.of("aten::clone(Tensor self, *, MemoryFormat? memory_format=None) -> Tensor");
    static final AtenOp DETACH = AtenOp.of("aten::detach(Tensor(a) self) -> Tensor(a)");
    static final AtenOp BACKWARD = AtenOp.of("aten::_backward(Tensor self, Tensor[] inputs, Tensor? gradient=None, bool? retain_graph=None, bool create_graph=False) -> ()");
    static final AtenOp VERSION = AtenOp.of("aten::_version(Tensor self) -> int");
    static final AtenOp RELU_INPLACE = AtenOp.of("aten::relu_(Tensor(a!) self) -> Tensor(a!)");
    static final AtenOp MUL_INPLACE = AtenOp.of("aten::mul_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)");
    static final AtenOp DIV_INPLACE = AtenOp.of("aten::div_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)");
    static final AtenOp COPY_INPLACE = AtenOp.of("aten::copy_(Tensor(a!) self, Tensor src, bool non_blocking=False) -> Tensor(a!)");
    static final AtenOp ZERO_INPLACE = AtenOp.of("aten::zero_(Tensor(a!) self) -> Tensor(a!)");
    static final AtenOp CLAMP_INPLACE = AtenOp.of("aten::clamp_.Tensor(Tensor(a!) self, Tensor? min=None, Tensor? max=None) -> Tensor(a!)");
    static final AtenOp FOREACH_ADDCMUL_INPLACE = AtenOp.of("aten::_foreach_addcmul_.Tensor(Tensor(a!)[] self, Tensor[] tensor1, Tensor[] tensor2, Tensor scalars) -> ()");
    static final AtenOp FOREACH_ADDCDIV_INPLACE = AtenOp.of("aten::_foreach_addcdiv_.Tensor(Tensor(a!)[] self, Tensor[] tensor1, Tensor[] tensor2, Tensor scalars) -> ()");
    static final AtenOp BROADCAST_TENSORS = AtenOp.of("aten::broadcast_tensors(Tensor[] tensors) -> Tensor[]");
    static final AtenOp RESULT_TYPE = AtenOp.of("aten::result_type.Tensor(Tensor tensor, Tensor other) -> ScalarType");
    static final AtenOp DIAGONAL = AtenOp.of("aten::diagonal(Tensor(a) self, int offset=0, int dim1=0, int dim2=1) -> Tensor(a)");
    static final AtenOp ROUND = AtenOp.of("aten::round(Tensor self) -> Tensor");
    static final AtenOp FLOOR = AtenOp.of("aten::floor(Tensor self) -> Tensor");
    static final AtenOp CEIL = AtenOp.of("aten::ceil(Tensor self) -> Tensor");
    static final AtenOp SORT = AtenOp.of("aten::sort(Tensor self, int dim=-1, bool descending=False) -> (Tensor values, Tensor indices)");
    static final AtenOp LINALG_SVDVALS = AtenOp.of("aten::linalg_svdvals(Tensor A, *, str? driver=None) -> Tensor");
    static final AtenOp RECIPROCAL = AtenOp.of("aten::reciprocal(Tensor self) -> Tensor");
    static final AtenOp SQUARE = AtenOp.of("aten::square(Tensor self) -> Tensor");
    static final AtenOp MAXIMUM = AtenOp.of("aten::maximum(Tensor self, Tensor other) -> Tensor");
    static final AtenOp MINIMUM = AtenOp.of("aten::minimum(Tensor self, Tensor other) -> Tensor");
    static final AtenOp LOGICAL_NOT = AtenOp.of("aten::logical_not(Tensor self) -> Tensor");
    static final AtenOp ISFINITE = AtenOp.of("aten::isfinite(Tensor self) -> Tensor");
    static final AtenOp LOGICAL_AND = AtenOp.of("aten::logical_and(Tensor self, Tensor other) -> Tensor");
    static final AtenOp LOGICAL_OR = AtenOp.of("aten::logical_or(Tensor self, Tensor other) -> Tensor");
}
