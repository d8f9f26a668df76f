package dev.lipsim.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two MPI ranks with half batches end where one process with whole batches does. */
class DataParallelTest {

    @TempDir
    Path work;

    @Test
    void twoRanksWithHalfBatchesMatchOneProcessWithWholeBatches() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mpirun")), "Open MPI is not installed (Debian: openmpi-bin)");
        Path single = work.resolve("single.safetensors");
        Path ranks = work.resolve("ranks.safetensors");
        run(List.of(), "single", single);
        run(List.of("/usr/bin/mpirun", "-np", "2", "--oversubscribe", "--allow-run-as-root", "--bind-to", "none"), "ranks",
                ranks);
        try (var scope = TensorScope.open()) {
            Map<String, Tensor> expected = SafeTensors.read(single).tensors();
            Map<String, Tensor> actual = SafeTensors.read(ranks).tensors();
            assertEquals(expected.keySet(), actual.keySet());
            for (String name : expected.keySet()) {
                // float32 sums in another order: the mean of two half-batch means against one whole-batch mean
                assertEquals(0, expected.get(name).sub(actual.get(name)).abs().max().item(), 1e-5, name);
            }
        }
    }

    private void run(List<String> launcher, String mode, Path out) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ShardedTraining.class.getName(), mode, out.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean finished = process.waitFor(120, TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readAllBytes());
        if (!finished) {
            process.destroyForcibly();
        }
        assertEquals(0, finished ? process.exitValue() : -1, mode + " failed:\n" + output);
    }
}
