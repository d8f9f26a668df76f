/*
 * The part of libtorch's stable C ABI (libtorch >= 2.10) that this project calls.
 *
 * This header is the single source of truth for the Java bindings: the build generates
 * dev.lipsim.bindings.ffm.TorchC from it (see bindings/README.md). Declarations are copied
 * from PyTorch's torch/csrc/inductor/aoti_torch/c/shim.h, torch/csrc/stable/c/shim.h and
 * torch/csrc/inductor/aoti_torch/generated/c_shim_aten.h, with C++ types replaced by C ones.
 *
 * Conventions:
 * - AOTITorchError: 0 on success, 1 on failure (libtorch prints the reason to stderr).
 * - Every AtenTensorHandle returned through an out-parameter is owned by the caller.
 * - dtype, device, layout and memory-format codes are read from the getters, never hard-coded.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int32_t AOTITorchError;
typedef uint64_t StableIValue;
typedef struct AtenTensorOpaque* AtenTensorHandle;
typedef struct StableListOpaque* StableListHandle;
typedef struct StringOpaque* StringHandle;
typedef struct DeviceGuardOpaque* DeviceGuardHandle;

/* ---- Version ---- */

uint64_t aoti_torch_abi_version(void);

/* ---- Codes: device types, dtypes, layouts, memory formats ---- */

int32_t aoti_torch_device_type_cpu(void);
int32_t aoti_torch_device_type_cuda(void);
int32_t aoti_torch_device_type_meta(void);

int32_t aoti_torch_dtype_bfloat16(void);
int32_t aoti_torch_dtype_float16(void);
int32_t aoti_torch_dtype_float32(void);
int32_t aoti_torch_dtype_float64(void);
int32_t aoti_torch_dtype_uint8(void);
int32_t aoti_torch_dtype_int8(void);
int32_t aoti_torch_dtype_int16(void);
int32_t aoti_torch_dtype_int32(void);
int32_t aoti_torch_dtype_int64(void);
int32_t aoti_torch_dtype_bool(void);
size_t aoti_torch_dtype_element_size(int32_t dtype);

int32_t aoti_torch_layout_strided(void);

int32_t aoti_torch_memory_format_contiguous_format(void);
int32_t aoti_torch_memory_format_channels_last(void);
int32_t aoti_torch_memory_format_preserve_format(void);

/* ---- Tensor handles: creation, copies, release ---- */

AOTITorchError aoti_torch_delete_tensor_object(AtenTensorHandle tensor);
AOTITorchError aoti_torch_new_tensor_handle(AtenTensorHandle orig_handle, AtenTensorHandle* new_handle);
AOTITorchError aoti_torch_empty_strided(int64_t ndim, const int64_t* sizes_ptr, const int64_t* strides_ptr,
    int32_t dtype, int32_t device_type, int32_t device_index, AtenTensorHandle* ret_new_tensor);
AOTITorchError aoti_torch_create_tensor_from_blob(void* data, int64_t ndim, const int64_t* sizes_ptr,
    const int64_t* strides_ptr, int64_t storage_offset, int32_t dtype, int32_t device_type, int32_t device_index,
    AtenTensorHandle* ret);
AOTITorchError aoti_torch_copy_(AtenTensorHandle self, AtenTensorHandle src, int32_t non_blocking);
AOTITorchError aoti_torch_new_uninitialized_tensor(AtenTensorHandle* ret);
AOTITorchError aoti_torch_assign_tensors(AtenTensorHandle src, AtenTensorHandle dst);

/* ---- Tensor inspection (borrowed results) ---- */

AOTITorchError aoti_torch_get_data_ptr(AtenTensorHandle tensor, void** ret_data_ptr);
AOTITorchError aoti_torch_get_dim(AtenTensorHandle tensor, int64_t* ret_dim);
AOTITorchError aoti_torch_get_numel(AtenTensorHandle tensor, int64_t* ret_numel);
AOTITorchError aoti_torch_get_sizes(AtenTensorHandle tensor, int64_t** ret_sizes);
AOTITorchError aoti_torch_get_strides(AtenTensorHandle tensor, int64_t** ret_strides);
AOTITorchError aoti_torch_get_storage_offset(AtenTensorHandle tensor, int64_t* ret_storage_offset);
AOTITorchError aoti_torch_get_dtype(AtenTensorHandle tensor, int32_t* ret_dtype);
AOTITorchError aoti_torch_get_device_type(AtenTensorHandle tensor, int32_t* ret_device_type);
AOTITorchError aoti_torch_get_device_index(AtenTensorHandle tensor, int32_t* ret_device_index);
AOTITorchError aoti_torch_get_layout(AtenTensorHandle tensor, int32_t* ret_layout);
AOTITorchError aoti_torch_is_contiguous(AtenTensorHandle tensor, bool* ret_is_contiguous);
AOTITorchError aoti_torch_is_defined(AtenTensorHandle tensor, bool* ret_is_defined);

/* ---- Scalars <-> 0-dim tensors ---- */

AOTITorchError aoti_torch_item_float32(AtenTensorHandle tensor, float* ret_value);
AOTITorchError aoti_torch_item_float64(AtenTensorHandle tensor, double* ret_value);
AOTITorchError aoti_torch_item_int64(AtenTensorHandle tensor, int64_t* ret_value);
AOTITorchError aoti_torch_item_bool(AtenTensorHandle tensor, bool* ret_value);
AOTITorchError aoti_torch_scalar_to_tensor_float32(float value, AtenTensorHandle* ret_new_tensor);
AOTITorchError aoti_torch_scalar_to_tensor_float64(double value, AtenTensorHandle* ret_new_tensor);
AOTITorchError aoti_torch_scalar_to_tensor_int64(int64_t value, AtenTensorHandle* ret_new_tensor);
AOTITorchError aoti_torch_scalar_to_tensor_bool(bool value, AtenTensorHandle* ret_new_tensor);

/* ---- Autograd (grad mode is thread-local) ---- */

bool aoti_torch_grad_mode_is_enabled(void);
void aoti_torch_grad_mode_set_enabled(bool enabled);
AOTITorchError torch_set_requires_grad(AtenTensorHandle tensor, bool requires_grad);

/* ---- The boxed dispatcher: any ATen op by schema name ---- */

AOTITorchError torch_call_dispatcher(const char* opName, const char* overloadName, StableIValue* stack,
    uint64_t extension_build_version);

AOTITorchError torch_new_list_reserve_size(size_t size, StableListHandle* ret);
AOTITorchError torch_list_size(StableListHandle list_handle, size_t* size);
AOTITorchError torch_list_get_item(StableListHandle list_handle, size_t index, StableIValue* element);
AOTITorchError torch_list_push_back(StableListHandle list_handle, StableIValue element);
AOTITorchError torch_delete_list(StableListHandle list_handle);

AOTITorchError torch_new_string_handle(const char* data, size_t length, StringHandle* handle);
AOTITorchError torch_delete_string(StringHandle handle);

/* ---- Devices and threads ---- */

AOTITorchError torch_parse_device_string(const char* device_string, uint32_t* out_device_type,
    int32_t* out_device_index);
AOTITorchError torch_get_num_threads(uint32_t* out_num_threads);
/* Makes device_index the current CUDA device until the guard is deleted. (The current CUDA stream,
 * aoti_torch_get_current_cuda_stream, lives in libtorch_cuda and is found at run time: CudaContext.) */
AOTITorchError aoti_torch_create_device_guard(int32_t device_index, DeviceGuardHandle* ret_guard);
AOTITorchError aoti_torch_delete_device_guard(DeviceGuardHandle guard);

/* ---- ATen ops with a Scalar argument, which the dispatcher cannot take in 2.10 ---- */

AOTITorchError aoti_torch_aten_subtract_Tensor(AtenTensorHandle self, AtenTensorHandle other, double alpha,
    AtenTensorHandle* ret0);
AOTITorchError aoti_torch_aten_fill__Scalar(AtenTensorHandle self, double value);
AOTITorchError aoti_torch_aten_full(const int64_t* size, int64_t size_len_, double fill_value, int32_t* dtype,
    int32_t* layout, int32_t* device, int32_t device_index_, int32_t* pin_memory, AtenTensorHandle* ret0);
AOTITorchError aoti_torch_aten_narrow(AtenTensorHandle self, int64_t dim, int64_t start, int64_t length,
    AtenTensorHandle* ret0);
AOTITorchError aoti_torch_aten_new_empty(AtenTensorHandle self, const int64_t* size, int64_t size_len_,
    int32_t* dtype, int32_t* layout, int32_t* device, int32_t device_index_, int32_t* pin_memory,
    AtenTensorHandle* ret0);
AOTITorchError aoti_torch_aten_new_zeros(AtenTensorHandle self, const int64_t* size, int64_t size_len_,
    int32_t* dtype, int32_t* layout, int32_t* device, int32_t device_index_, int32_t* pin_memory,
    AtenTensorHandle* ret0);
AOTITorchError aoti_torch_aten_pad(AtenTensorHandle self, const int64_t* pad, int64_t pad_len_, const char* mode,
    double* value, AtenTensorHandle* ret0);
AOTITorchError aoti_torch_aten_amax(AtenTensorHandle self, const int64_t* dim, int64_t dim_len_, int32_t keepdim,
    AtenTensorHandle* ret0);
