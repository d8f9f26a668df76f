package dev.lipsim.distributed;

import static dev.lipsim.distributed.MpiJobs.assertSameWeights;
import static dev.lipsim.distributed.MpiJobs.assumeMpirun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.tensor.RequiresCuda;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MPI ranks with shares of each batch end where one process with whole batches does. */
class DataParallelTest {

    @TempDir
    Path work;

    @Test
    void twoRanksWithHalfBatchesMatchOneProcessWithWholeBatches() throws Exception {
        assumeMpirun();
        Path single = work.resolve("single.safetensors");
        Path ranks = work.resolve("ranks.safetensors");
        run(0, List.of("single", single.toString()));
        run(2, List.of("ranks", ranks.toString()));
        // float32 sums in another order: the mean of two half-batch means against one whole-batch mean
        assertSameWeights(single, ranks, "", 1e-5);
    }

    /** The NCCL path end to end (MPI shares the group's id): one rank's all-reduce leaves the gradients as they were. */
    @Test
    @RequiresCuda
    void oneRankOverNcclOnTheGpuMatchesOneProcess() throws Exception {
        assumeMpirun();
        Path single = work.resolve("single.safetensors");
        Path ranks = work.resolve("nccl.safetensors");
        run(0, List.of("single", single.toString(), "cuda"));
        run(1, List.of("ranks", ranks.toString(), "cuda"));
        assertSameWeights(single, ranks, "", 1e-5);
    }

    @Test
    void aStalledRankEndsTheJobAfterTheTimeoutWithAMessageNamingIt() throws Exception {
        assumeMpirun();
        long started = System.nanoTime();
        Process process = new ProcessBuilder(MpiJobs.underMpirun(2, List.of("-Dlipsim.mpi.timeout=3",
                StalledRank.class.getName()))).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the job ended");
        double seconds = (System.nanoTime() - started) / 1e9;
        assertTrue(process.exitValue() != 0, output);
        assertTrue(output.contains("rank 0 of 2 waited 3 s at MPI_Allreduce (collective 1) for rank(s) 1, which stalled or died"),
                output);
        assertTrue(seconds < 30, "ended within the timeout and mpirun's clean-up, not after rank 1's 600 s: " + seconds);
    }

    /**
     * Runs {@link ShardedTraining} with {@code arguments}, under {@code mpirun -np RANKS} unless
     * {@code ranks} is 0; its output goes to a file, so that a chatty launcher cannot fill a pipe.
     */
    private static void run(int ranks, List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ShardedTraining.class.getName()));
        command.addAll(arguments);
        Path log = Files.createTempFile("sharded-training", ".log");
        Process process = new ProcessBuilder(ranks > 0 ? MpiJobs.underMpirun(ranks, command) : MpiJobs.java(command))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = process.waitFor(120, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        String output = Files.readString(log);
        Files.delete(log);
        assertEquals(0, finished ? process.exitValue() : -1, String.join(" ", arguments) + " failed:\n" + output);
    }
}
