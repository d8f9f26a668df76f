package dev.lipsim.bindings;

import dev.lipsim.bindings.ffm.TorchC;

/** libtorch's grad mode, which is per OS thread: whether ops are recorded for autograd. */
public final class GradMode {

    static {
        LibTorch.load();
    }

    private GradMode() {}

    public static boolean isEnabled() {
        return TorchC.aoti_torch_grad_mode_is_enabled();
    }

    public static void setEnabled(boolean enabled) {
        TorchC.aoti_torch_grad_mode_set_enabled(enabled);
    }
}
