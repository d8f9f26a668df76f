package dev.lipsim.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Test support shared by the modules whose tests start JVMs under {@code mpirun} (the test jar carries it). */
public final class MpiJobs {

    /** Open MPI's launcher on the PATH, or null. */
    private static final Path MPIRUN = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .map(folder -> Path.of(folder, "mpirun")).filter(Files::isExecutable).findFirst().orElse(null);

    private MpiJobs() {}

    /** Skips the test, with the reason, where Open MPI is not installed. */
    public static void assumeMpirun() {
        assumeTrue(MPIRUN != null, "Open MPI is not installed (Debian: openmpi-bin)");
    }

    /** {@code java} with this test JVM's class path, then {@code arguments}. */
    public static List<String> java(List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path")));
        command.addAll(arguments);
        return command;
    }

    /** {@link #java} under {@code mpirun -np RANKS} on this machine. */
    public static List<String> underMpirun(int ranks, List<String> javaArguments) {
        List<String> command = new ArrayList<>(List.of(MPIRUN.toString(), "-np", Integer.toString(ranks), "--oversubscribe",
                "--allow-run-as-root", "--bind-to", "none"));
        command.addAll(java(javaArguments));
        return command;
    }

    /** The tensors of two safetensors files whose names start with {@code prefix} agree to {@code tolerance}. */
    public static void assertSameWeights(Path expected, Path actual, String prefix, double tolerance) throws IOException {
        try (var scope = TensorScope.open()) {
            Map<String, Tensor> want = SafeTensors.read(expected).tensors();
            Map<String, Tensor> got = SafeTensors.read(actual).tensors();
            int compared = 0;
            for (String name : want.keySet()) {
                if (name.startsWith(prefix)) {
                    assertTrue(got.containsKey(name), actual + " lacks " + name);
                    assertEquals(0, want.get(name).sub(got.get(name)).abs().max().item(), tolerance, name + " in " + actual);
                    compared++;
                }
            }
            assertTrue(compared > 0, "no tensors named " + prefix + "... in " + expected);
        }
    }
}
