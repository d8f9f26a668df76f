package dev.lipsim.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.bindings.ffm.TorchC;
import dev.lipsim.ffmgen.GenerateBindings;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibTorchTest {

    private static final Path HEADER = Path.of("src/main/c/torch_stable_abi.h");

    @TempDir
    Path work;

    /** Tests of the default (Maven) libtorch are skipped when the suite runs against another one. */
    static void assumeMavenLibtorch() {
        Assumptions.assumeTrue(System.getenv(LibraryLocator.ENVIRONMENT) == null
                && System.getProperty(LibraryLocator.PROPERTY) == null, "running against a user-supplied libtorch");
    }

    @Test
    void loadsTheMavenLibtorchAndReportsIt() {
        assumeMavenLibtorch();
        LibTorchInfo info = LibTorch.load();
        assertTrue(info.origin().startsWith("Maven Central org.bytedeco:pytorch:2.10.0"), info.origin());
        assertEquals("2.10.0", info.abiVersionString());
        assertEquals(LibTorch.MINIMUM_ABI_VERSION, info.abiVersion());
        assertEquals("libtorch_cpu.so", info.libraries().getLast().getFileName().toString());
        assertFalse(info.cudaAvailable(), "the Maven CPU build has no CUDA");
        assertEquals(0, info.cudaDeviceCount());
        assertTrue(info.threads() >= 1);
        assertEquals(info, LibTorch.load(), "loading twice returns the same libtorch");
    }

    @Test
    void everyDeclaredFunctionResolves() throws Exception {
        List<String> names = GenerateBindings.functionNames(Files.readString(HEADER), HEADER.toString());
        assertTrue(names.size() > 50, "the header declares the functions we bind");
        List<String> missing = new ArrayList<>();
        for (String name : names) {
            MemorySegment address = (MemorySegment) TorchC.class.getMethod(name + "$address").invoke(null);
            if (address.address() == 0 || LibTorch.symbols().find(name).isEmpty()) {
                missing.add(name);
            }
        }
        assertEquals(List.of(), missing);
        assertEquals(List.of("_Znwm", "_ZdlPv", "_ZNK3c1010TensorImpl4gradEv", "_ZN3c1010TensorImpl12mutable_gradEv",
                "_ZNK3c1010TensorImpl13requires_gradEv",
                "_ZN2at15set_num_threadsEi", "_ZN5torch4cuda12is_availableEv", "_ZN5torch4cuda12device_countEv",
                "_ZN2at13globalContextEv", "_ZN2at7Context17setAllowTF32CuDNNEb",
                "_ZN2at7Context20setUserEnabledMkldnnEb", "_ZN2at7Context20setUserEnabledNNPACKEb",
                "_ZNK2at7Context17userEnabledMkldnnEv"),
                CxxAbi.verify());
    }

    @Test
    void codesAreReadAtRunTimeAndRoundTrip() {
        Map<String, Long> elementSizes = Map.of("float32", 4L, "float64", 8L, "bfloat16", 2L, "float16", 2L,
                "int64", 8L, "int32", 4L, "int16", 2L, "int8", 1L, "uint8", 1L, "bool", 1L);
        elementSizes.forEach((name, size) -> {
            int code = AbiCodes.dtype(name);
            assertEquals(size, AbiCodes.elementSize(code), name);
            assertEquals(name, AbiCodes.dtypeName(code));
            try (TensorHandle t = ShimOps.emptyStrided(new long[] {2}, new long[] {1}, code, AbiCodes.deviceType("cpu"), 0)) {
                assertEquals(code, t.dtypeCode(), name);
            }
        });
        assertEquals(TorchC.aoti_torch_dtype_float32(), AbiCodes.dtype("float32"));
        assertEquals("cuda", AbiCodes.deviceTypeName(AbiCodes.deviceType("cuda")));
        var unknown = assertThrows(IllegalArgumentException.class, () -> AbiCodes.dtype("complex256"));
        assertTrue(unknown.getMessage().contains("complex256"));
    }

    @Test
    void threadsCanBeSet() {
        int before = LibTorch.threads();
        try {
            LibTorch.setThreads(1);
            assertEquals(1, LibTorch.threads());
        } finally {
            LibTorch.setThreads(before);
        }
        assertThrows(IllegalArgumentException.class, () -> LibTorch.setThreads(0));
    }

    @Test
    void aUserFolderWithoutLibtorchIsAClearError() throws IOException {
        var error = assertThrows(NativeLoadException.class, () -> LibraryLocator.userFolder(work, "LIBTORCH=" + work));
        assertTrue(error.getMessage().contains(work.toString()) && error.getMessage().contains(work.resolve("lib").toString()),
                error.getMessage());
        Files.createDirectories(work.resolve("lib"));
        Files.write(work.resolve("lib/libtorch_cpu.so"), new byte[0]);
        var noC10 = assertThrows(NativeLoadException.class, () -> LibraryLocator.userFolder(work, "LIBTORCH=" + work));
        assertTrue(noC10.getMessage().contains("no libc10.so"), noC10.getMessage());
        Files.write(work.resolve("lib/libc10.so"), new byte[0]);
        Files.write(work.resolve("lib/libtorch_cuda.so"), new byte[0]);
        LibraryLocation location = LibraryLocator.userFolder(work, "LIBTORCH=" + work);
        assertEquals(work.resolve("lib"), location.directory());
        assertEquals(List.of(work.resolve("lib/libc10.so"), work.resolve("lib/libtorch_cpu.so")), location.required());
        assertEquals(List.of(work.resolve("lib/libtorch_cuda.so")), location.cuda());
    }

    @Test
    void aChildJvmLoadsTheLibtorchNamedByTheEnvironment() throws Exception {
        assumeMavenLibtorch();
        Path folder = LibTorch.load().directory();
        String output = runChild(Map.of("LIBTORCH", folder.toString()));
        assertTrue(output.contains("origin=LIBTORCH=" + folder), output);
        assertTrue(output.contains("abi=2.10.0"), output);
        String missing = runChild(Map.of("LIBTORCH", work.toString()));
        assertTrue(missing.contains("NativeLoadException") && missing.contains("does not hold libtorch"), missing);
        // Libraries with the right names but without the stable ABI, as an old libtorch would be.
        Path impostor = Files.createDirectories(work.resolve("impostor"));
        for (String name : List.of("libc10.so", "libtorch_cpu.so")) {
            Files.copy(Path.of("/lib/x86_64-linux-gnu/libz.so.1"), impostor.resolve(name));
        }
        String old = runChild(Map.of("LIBTORCH", impostor.toString()));
        assertTrue(old.contains("NativeLoadException") && old.contains("lacks the stable C ABI functions")
                && old.contains("older than 2.10.0"), old);
    }

    private static String runChild(Map<String, String> environment) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), LibTorchInfoChild.class.getName()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process child = builder.start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        return output;
    }
}
