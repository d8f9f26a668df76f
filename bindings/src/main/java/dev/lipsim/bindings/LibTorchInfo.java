package dev.lipsim.bindings;

import java.nio.file.Path;
import java.util.List;

/**
 * What was loaded: where libtorch came from, its ABI version, and what it can run on.
 *
 * @param origin how it was found, e.g. {@code Maven Central org.bytedeco:pytorch:...} or {@code LIBTORCH=/opt/libtorch}
 * @param directory the folder the libraries were loaded from
 * @param libraries the libraries loaded, in load order
 * @param abiVersion {@code aoti_torch_abi_version()}: major in bits 56-63, minor 48-55, patch 40-47
 * @param cudaAvailable whether CUDA devices can be used
 * @param cudaDeviceCount the number of CUDA devices
 * @param cudaProblem why CUDA libraries present in the folder could not be loaded, or null
 * @param threads libtorch's intra-op thread count
 */
public record LibTorchInfo(String origin, Path directory, List<Path> libraries, long abiVersion,
        boolean cudaAvailable, long cudaDeviceCount, String cudaProblem, int threads) {

    /** The ABI version as {@code major.minor.patch}. */
    public String abiVersionString() {
        return versionString(abiVersion);
    }

    static String versionString(long abi) {
        return (abi >>> 56) + "." + ((abi >>> 48) & 0xFF) + "." + ((abi >>> 40) & 0xFF);
    }
}
