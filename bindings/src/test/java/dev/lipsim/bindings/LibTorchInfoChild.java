package dev.lipsim.bindings;

/** Run in a child JVM by {@link LibTorchTest}: prints what was loaded, or the load error. */
public final class LibTorchInfoChild {

    private LibTorchInfoChild() {}

    public static void main(String[] args) {
        try {
            LibTorchInfo info = LibTorch.load();
            System.out.println("origin=" + info.origin());
            System.out.println("abi=" + info.abiVersionString());
        } catch (NativeLoadException e) {
            System.out.println(e);
        }
    }
}
