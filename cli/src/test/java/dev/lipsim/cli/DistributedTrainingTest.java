package dev.lipsim.cli;

import static dev.lipsim.distributed.MpiJobs.assertSameWeights;
import static dev.lipsim.distributed.MpiJobs.assumeMpirun;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lipsim.data.NightDataset;
import dev.lipsim.data.SyntheticTwoAfc;
import dev.lipsim.distributed.MpiJobs;
import dev.lipsim.tensor.RequiresCuda;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mpirun -np 2 lipsim finetune --batch-size 4} ends with the weights of one process with
 * {@code --batch-size 8} over the same data and seed (to 1e-4: float32 sums in another order,
 * through Adam), and so does the two-rank run resumed in one process from a checkpoint.
 */
class DistributedTrainingTest {

    private static final String[] MODEL = {"--random-init", "--depth", "1", "--num_channels", "4", "--conv_size", "2",
        "--depth_linear", "1", "--n_features", "8", "--image-size", "16", "--embedding-dim", "4", "--seed", "3",
        "--epochs", "2", "--no-eval", "--checkpoint-every", "3", "--keep-checkpoints", "10"};

    @TempDir
    Path work;

    @Test
    void twoRanksWithHalfBatchesEndWhereOneProcessWithWholeBatchesDoes() throws Exception {
        assumeMpirun();
        Path data = work.resolve("data");
        SyntheticTwoAfc.write(data, 48, 16, 5);
        int train = NightDataset.load(data, "train").size();
        assertEquals(0, train % 2, "an even last batch, so that neither rank is padded: " + train + " triplets");

        JsonNode single = lipsim(0, "single", "8");
        JsonNode report = lipsim(2, "ranks", "4");
        assertEquals(single.get("steps"), report.get("steps"), "global steps: the same count");
        assertSameWeights(checkpoint(single), checkpoint(report), "model.", 1e-4);
        // resume the two-rank run from its step-3 checkpoint in one process: the run recorded its global batch of 8
        try (var later = Files.list(work.resolve("ranks/checkpoints"))) {
            for (Path checkpoint : later.filter(p -> !p.getFileName().toString().equals("step-00000003.safetensors")).toList()) {
                Files.delete(checkpoint);
            }
        }
        JsonNode resumed = finetune(0, "resumed", List.of("--resume", work.resolve("ranks").toString(), "--no-eval"));
        assertEquals(3, resumed.get("firstStep").asInt());
        assertEquals(report.get("steps"), resumed.get("steps"));
        assertSameWeights(checkpoint(single), checkpoint(resumed), "model.", 1e-4);
    }

    /**
     * The GPU check's NCCL training run: {@code mpirun -np 1 lipsim finetune --backend nccl --device
     * cuda} (MPI shares NCCL's id; gradients are all-reduced in GPU memory) ends where the same
     * run in one process does.
     */
    @Test
    @RequiresCuda
    void oneRankOverNcclOnTheGpuEndsWhereOneProcessDoes() throws Exception {
        assumeMpirun();
        SyntheticTwoAfc.write(work.resolve("data"), 48, 16, 5);
        JsonNode single = lipsim(0, "single", "8", "--device", "cuda");
        JsonNode nccl = lipsim(1, "nccl", "8", "--device", "cuda", "--backend", "nccl");
        assertEquals(single.get("steps"), nccl.get("steps"));
        assertSameWeights(checkpoint(single), checkpoint(nccl), "model.", 1e-4);
    }

    private static Path checkpoint(JsonNode report) {
        return Path.of(report.get("checkpoint").asText());
    }

    /** {@code lipsim finetune} of a new run, under {@code mpirun -np RANKS} unless {@code ranks} is 0; rank 0's report. */
    private JsonNode lipsim(int ranks, String run, String batch, String... more) throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("--data_dir", work.resolve("data").toString(), "--train_dir",
                work.resolve(run).toString(), "--batch-size", batch));
        arguments.addAll(List.of(MODEL));
        arguments.addAll(List.of(more));
        return finetune(ranks, run, arguments);
    }

    /** {@code lipsim finetune ARGUMENTS} in a new JVM (under {@code mpirun -np RANKS} unless 0); the report it printed. */
    private JsonNode finetune(int ranks, String name, List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Main.class.getName(), "finetune"));
        command.addAll(arguments);
        Path output = work.resolve(name + ".out");
        Process process = new ProcessBuilder(ranks > 0 ? MpiJobs.underMpirun(ranks, command) : MpiJobs.java(command))
                .redirectOutput(output.toFile()).redirectError(work.resolve(name + ".err").toFile()).start();
        boolean finished = process.waitFor(180, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        assertEquals(0, finished ? process.exitValue() : -1, name + " failed: " + Files.readString(output)
                + Files.readString(work.resolve(name + ".err")));
        return new ObjectMapper().readTree(output.toFile());
    }
}
