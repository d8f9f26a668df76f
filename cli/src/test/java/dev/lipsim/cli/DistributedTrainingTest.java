package dev.lipsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lipsim.data.NightDataset;
import dev.lipsim.data.SyntheticTwoAfc;
import dev.lipsim.tensor.RequiresCuda;
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

/**
 * {@code mpirun -np 2 lipsim finetune --batch-size 4} ends with the weights of one process with
 * {@code --batch-size 8} over the same data and seed (to 1e-4: float32 sums in another order,
 * through Adam), and so does the two-rank run resumed in one process from a checkpoint.
 */
class DistributedTrainingTest {

    private static final Path MPIRUN = Path.of("/usr/bin/mpirun");
    private static final String[] MODEL = {"--random-init", "--depth", "1", "--num_channels", "4", "--conv_size", "2",
        "--depth_linear", "1", "--n_features", "8", "--image-size", "16", "--embedding-dim", "4", "--seed", "3",
        "--epochs", "2", "--no-eval", "--checkpoint-every", "3", "--keep-checkpoints", "10"};

    @TempDir
    Path work;

    @Test
    void twoRanksWithHalfBatchesEndWhereOneProcessWithWholeBatchesDoes() throws Exception {
        assumeTrue(Files.isExecutable(MPIRUN), "Open MPI is not installed (Debian: openmpi-bin)");
        Path data = work.resolve("data");
        SyntheticTwoAfc.write(data, 48, 16, 5);
        int train = NightDataset.load(data, "train").size();
        assertEquals(0, train % 2, "an even last batch, so that neither rank is padded: " + train + " triplets");

        String single = lipsim(List.of(), "single", "8");
        String ranks = lipsim(List.of(MPIRUN.toString(), "-np", "2", "--oversubscribe", "--allow-run-as-root", "--bind-to",
                "none"), "ranks", "4");
        JsonNode report = new ObjectMapper().readTree(ranks);
        assertEquals(new ObjectMapper().readTree(single).get("steps"), report.get("steps"), "global steps: the same count");
        try (var scope = TensorScope.open()) {
            Map<String, Tensor> expected = SafeTensors.read(Path.of(new ObjectMapper().readTree(single).get("checkpoint")
                    .asText())).tensors();
            Map<String, Tensor> actual = SafeTensors.read(Path.of(report.get("checkpoint").asText())).tensors();
            int compared = 0;
            for (String name : expected.keySet()) {
                if (name.startsWith("model.")) {
                    assertEquals(0, expected.get(name).sub(actual.get(name)).abs().max().item(), 1e-4, name);
                    compared++;
                }
            }
            assertTrue(compared > 5, "the model's weights were compared");
        }
        // resume the two-rank run from its step-3 checkpoint in one process: the run recorded its global batch of 8
        try (var later = Files.list(work.resolve("ranks/checkpoints"))) {
            for (Path checkpoint : later.filter(p -> !p.getFileName().toString().equals("step-00000003.safetensors")).toList()) {
                Files.delete(checkpoint);
            }
        }
        JsonNode resumed = new ObjectMapper().readTree(finetune(List.of(), "resumed", List.of("--resume",
                work.resolve("ranks").toString(), "--no-eval")));
        assertEquals(3, resumed.get("firstStep").asInt());
        assertEquals(report.get("steps"), resumed.get("steps"));
        try (var scope = TensorScope.open()) {
            Map<String, Tensor> expected = SafeTensors.read(Path.of(new ObjectMapper().readTree(single).get("checkpoint")
                    .asText())).tensors();
            Map<String, Tensor> actual = SafeTensors.read(Path.of(resumed.get("checkpoint").asText())).tensors();
            for (String name : expected.keySet()) {
                if (name.startsWith("model.")) {
                    assertEquals(0, expected.get(name).sub(actual.get(name)).abs().max().item(), 1e-4, "resumed " + name);
                }
            }
        }
    }

    /**
     * The GPU check's NCCL training run: {@code mpirun -np 1 lipsim finetune --backend nccl --device
     * cuda} (MPI shares NCCL's id; gradients are all-reduced in GPU memory) ends where the same
     * run in one process does.
     */
    @Test
    @RequiresCuda
    void oneRankOverNcclOnTheGpuEndsWhereOneProcessDoes() throws Exception {
        assumeTrue(Files.isExecutable(MPIRUN), "Open MPI is not installed (Debian: openmpi-bin)");
        SyntheticTwoAfc.write(work.resolve("data"), 48, 16, 5);
        JsonNode single = new ObjectMapper().readTree(lipsim(List.of(), "single", "8", "--device", "cuda"));
        JsonNode nccl = new ObjectMapper().readTree(lipsim(List.of(MPIRUN.toString(), "-np", "1", "--allow-run-as-root"),
                "nccl", "8", "--device", "cuda", "--backend", "nccl"));
        assertEquals(single.get("steps"), nccl.get("steps"));
        try (var scope = TensorScope.open()) {
            Map<String, Tensor> expected = SafeTensors.read(Path.of(single.get("checkpoint").asText())).tensors();
            Map<String, Tensor> actual = SafeTensors.read(Path.of(nccl.get("checkpoint").asText())).tensors();
            for (String name : expected.keySet()) {
                if (name.startsWith("model.")) {
                    assertEquals(0, expected.get(name).sub(actual.get(name)).abs().max().item(), 1e-4, name);
                }
            }
        }
    }

    /** {@code lipsim finetune} of a new run (under {@code launcher} if given); what rank 0 printed. */
    private String lipsim(List<String> launcher, String run, String batch, String... more)
            throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("--data_dir", work.resolve("data").toString(), "--train_dir",
                work.resolve(run).toString(), "--batch-size", batch));
        arguments.addAll(List.of(MODEL));
        arguments.addAll(List.of(more));
        return finetune(launcher, run, arguments);
    }

    /** {@code lipsim finetune ARGUMENTS} in a new JVM (under {@code launcher} if given); what it printed on stdout. */
    private String finetune(List<String> launcher, String name, List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "finetune"));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectError(work.resolve(name + ".err").toFile()).start();
        String output = new String(process.getInputStream().readAllBytes());
        boolean finished = process.waitFor(180, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        assertEquals(0, finished ? process.exitValue() : -1, name + " failed: " + output + Files.readString(work.resolve(name
                + ".err")));
        return output;
    }
}
