package dev.lipsim.bindings;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The few C++-ABI entry points the stable C ABI lacks, each an exported libtorch/libc10 symbol
 * with a plain signature. They depend on libstdc++'s name mangling and on {@code at::Tensor}
 * being one pointer to its {@code TensorImpl}, not on the stable ABI, so they all live here and
 * are resolved together at start-up: a libtorch without one of them fails to load with a
 * message naming it.
 */
final class CxxAbi {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Map<String, String> SYMBOLS = new LinkedHashMap<>();

    private static final MethodHandle OPERATOR_NEW = bind("_Znwm", "operator new(size_t)",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle OPERATOR_DELETE = bind("_ZdlPv", "operator delete(void*)",
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    private static final MethodHandle TENSOR_IMPL_GRAD = bind("_ZNK3c1010TensorImpl4gradEv",
            "c10::TensorImpl::grad() const", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle TENSOR_IMPL_MUTABLE_GRAD = bind("_ZN3c1010TensorImpl12mutable_gradEv",
            "c10::TensorImpl::mutable_grad()", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle TENSOR_IMPL_REQUIRES_GRAD = bind("_ZNK3c1010TensorImpl13requires_gradEv",
            "c10::TensorImpl::requires_grad() const", FunctionDescriptor.of(ValueLayout.JAVA_BOOLEAN, ValueLayout.ADDRESS));
    private static final MethodHandle SET_NUM_THREADS = bind("_ZN2at15set_num_threadsEi", "at::set_num_threads(int)",
            FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
    private static final MethodHandle CUDA_IS_AVAILABLE = bind("_ZN5torch4cuda12is_availableEv",
            "torch::cuda::is_available()", FunctionDescriptor.of(ValueLayout.JAVA_BOOLEAN));
    private static final MethodHandle CUDA_DEVICE_COUNT = bind("_ZN5torch4cuda12device_countEv",
            "torch::cuda::device_count()", FunctionDescriptor.of(ValueLayout.JAVA_LONG));
    private static final MethodHandle GLOBAL_CONTEXT = bind("_ZN2at13globalContextEv", "at::globalContext()",
            FunctionDescriptor.of(ValueLayout.ADDRESS));
    private static final MethodHandle SET_ALLOW_TF32_CUDNN = bind("_ZN2at7Context17setAllowTF32CuDNNEb",
            "at::Context::setAllowTF32CuDNN(bool)", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_BOOLEAN));
    private static final MethodHandle SET_USER_ENABLED_MKLDNN = bind("_ZN2at7Context20setUserEnabledMkldnnEb",
            "at::Context::setUserEnabledMkldnn(bool)", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_BOOLEAN));
    private static final MethodHandle SET_USER_ENABLED_NNPACK = bind("_ZN2at7Context20setUserEnabledNNPACKEb",
            "at::Context::setUserEnabledNNPACK(bool)", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_BOOLEAN));
    private static final MethodHandle USER_ENABLED_MKLDNN = bind("_ZNK2at7Context17userEnabledMkldnnEv",
            "at::Context::userEnabledMkldnn() const", FunctionDescriptor.of(ValueLayout.JAVA_BOOLEAN, ValueLayout.ADDRESS));

    /**
     * The whole address space, for reading and writing C++ objects by their address without
     * making a segment per object (the unboxed call path does this on every call).
     */
    static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private CxxAbi() {}

    private static MethodHandle bind(String symbol, String meaning, FunctionDescriptor descriptor) {
        SYMBOLS.put(symbol, meaning);
        MemorySegment address = LibTorch.symbols().find(symbol).orElseThrow(() -> new NativeLoadException(
                "the loaded libtorch does not export " + symbol + " (" + meaning + "), which this project needs"));
        return LINKER.downcallHandle(address, descriptor);
    }

    /** Resolves every symbol now (class initialisation); throws {@link NativeLoadException} if one is missing. */
    static List<String> verify() {
        return new ArrayList<>(SYMBOLS.keySet());
    }

    /** C++ {@code operator new}: the address of memory libtorch may free with {@code operator delete}. */
    static long operatorNew(long bytes) {
        try {
            return (long) OPERATOR_NEW.invokeExact(bytes);
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    static void operatorDelete(MemorySegment pointer) {
        try {
            OPERATOR_DELETE.invokeExact(pointer);
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    /** Borrowed {@code at::Tensor*} of the gradient of the tensor behind {@code handle} (maybe undefined). */
    static MemorySegment gradOf(MemorySegment handle) {
        try {
            return (MemorySegment) TENSOR_IMPL_GRAD.invokeExact(tensorImpl(handle));
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    /** Borrowed {@code at::Tensor*} slot holding the gradient of the tensor behind {@code handle}, assignable. */
    static MemorySegment mutableGradOf(MemorySegment handle) {
        try {
            return (MemorySegment) TENSOR_IMPL_MUTABLE_GRAD.invokeExact(tensorImpl(handle));
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    static boolean requiresGrad(MemorySegment handle) {
        try {
            return (boolean) TENSOR_IMPL_REQUIRES_GRAD.invokeExact(tensorImpl(handle));
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    static void setNumThreads(int threads) {
        try {
            SET_NUM_THREADS.invokeExact(threads);
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    static boolean cudaIsAvailable() {
        try {
            return (boolean) CUDA_IS_AVAILABLE.invokeExact();
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    static long cudaDeviceCount() {
        try {
            return (long) CUDA_DEVICE_COUNT.invokeExact();
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    /** Whether cuDNN may compute float32 convolutions in TF32 (libtorch's default: yes). */
    static void setAllowTf32CuDnn(boolean allow) {
        setContextFlag(SET_ALLOW_TF32_CUDNN, allow);
    }

    /** Whether libtorch may route CPU operators to oneDNN (MKL-DNN); libtorch's default: yes. */
    static void setUserEnabledMkldnn(boolean enabled) {
        setContextFlag(SET_USER_ENABLED_MKLDNN, enabled);
    }

    /** Whether libtorch may try NNPACK for CPU convolutions; libtorch's default: yes. */
    static void setUserEnabledNnpack(boolean enabled) {
        setContextFlag(SET_USER_ENABLED_NNPACK, enabled);
    }

    /** Calls a {@code void at::Context::setX(bool)} on libtorch's global context. */
    private static void setContextFlag(MethodHandle setter, boolean value) {
        try {
            setter.invokeExact((MemorySegment) GLOBAL_CONTEXT.invokeExact(), value);
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    static boolean userEnabledMkldnn() {
        try {
            return (boolean) USER_ENABLED_MKLDNN.invokeExact((MemorySegment) GLOBAL_CONTEXT.invokeExact());
        } catch (Throwable t) {
            throw Unchecked.propagate(t);
        }
    }

    /** An {@code AtenTensorHandle} points at an {@code at::Tensor}, which holds one pointer: its TensorImpl. */
    private static MemorySegment tensorImpl(MemorySegment handle) {
        return handle.reinterpret(ValueLayout.ADDRESS.byteSize()).get(ValueLayout.ADDRESS, 0);
    }

}
