package dev.lipsim.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.data.SyntheticTwoAfc;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import dev.lipsim.train.RunDirectory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lipsim finetune} in real child processes: killed with SIGKILL at a random step, or
 * stopped with Ctrl-C (SIGINT), then resumed, it ends with exactly the weights and optimizer
 * state of an uninterrupted run.
 */
class FinetuneProcessTest {

    private static final Pattern STEP = Pattern.compile("^step (\\d+)/(\\d+) .*");
    private static final int EPOCHS = 6;

    @TempDir
    static Path work;

    private static Path data;
    private static Path uninterrupted;

    @BeforeAll
    static void trainWithoutInterruption() throws Exception {
        data = work.resolve("synth");
        SyntheticTwoAfc.write(data, 40, 16, 11);
        Path run = work.resolve("uninterrupted");
        Process child = start(finetune(run));
        assertEquals(0, child.waitFor(), () -> output(child));
        uninterrupted = RunDirectory.latestIn(run).orElseThrow();
    }

    private static List<String> finetune(Path run) {
        return List.of("finetune", "--data_dir", data.toString(), "--train_dir", run.toString(), "--random-init", "--depth", "1",
                "--num_channels", "4", "--conv_size", "2", "--depth_linear", "1", "--n_features", "8", "--image-size", "16",
                "--embedding-dim", "4", "--batch_size", "4", "--epochs", Integer.toString(EPOCHS), "--margin", "0.05",
                "--checkpoint_every", "4", "--frequency_log_steps", "1", "--no-eval", "--seed", "9");
    }

    private static Process start(List<String> arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path")));
        for (String property : List.of("lipsim.nativeCache", "libtorch.path")) {
            if (System.getProperty(property) != null) {
                command.add("-D" + property + "=" + System.getProperty(property));
            }
        }
        command.add(Main.class.getName());
        command.addAll(arguments);
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static String output(Process child) {
        try {
            return new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static BufferedReader lines(Process child) {
        return new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Reads the child's progress lines until it reports {@code step}; returns the total steps. */
    private static int waitForStep(BufferedReader lines, int step) throws IOException {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            Matcher m = STEP.matcher(line);
            if (m.matches() && Integer.parseInt(m.group(1)) >= step) {
                return Integer.parseInt(m.group(2));
            }
        }
        throw new AssertionError("the child ended before step " + step);
    }

    private static void assertSameState(Path expected, Path actual) throws IOException {
        try (var scope = TensorScope.open()) {
            Map<String, double[]> a = new TreeMap<>();
            Map<String, double[]> b = new TreeMap<>();
            SafeTensors.read(expected).tensors().forEach((name, tensor) -> a.put(name, tensor.toDoubleArray()));
            SafeTensors.read(actual).tensors().forEach((name, tensor) -> b.put(name, tensor.toDoubleArray()));
            assertEquals(a.keySet(), b.keySet());
            a.forEach((name, values) -> assertArrayEquals(values, b.get(name), 0.0, name));
        }
    }

    @Test
    void aRunKilledAtARandomStepResumesToTheSameWeights() throws Exception {
        Path run = work.resolve("killed");
        Process child = start(finetune(run));
        BufferedReader lines = lines(child);
        int total = waitForStep(lines, 0);
        int killAt = 2 + new Random().nextInt(total - 12);
        waitForStep(lines, killAt);
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, child.exitValue(), "killed with SIGKILL");
        long saved = RunDirectory.latestIn(run).map(RunDirectory::stepOf).orElse(0L);
        assertTrue(saved < total, "the kill came before the end (checkpoint at " + saved + " of " + total + ")");

        Process resumed = start(List.of("finetune", "--resume", run.toString(), "--no-eval"));
        assertEquals(0, resumed.waitFor(), () -> output(resumed));
        assertSameState(uninterrupted, RunDirectory.latestIn(run).orElseThrow());
        assertEquals(total, Files.readAllLines(run.resolve(RunDirectory.METRICS)).size(), "one metrics record per step");
    }

    @Test
    void ctrlCWritesACheckpointAndTheRunResumesToTheSameWeights() throws Exception {
        Path run = work.resolve("interrupted");
        Process child = start(finetune(run));
        BufferedReader lines = lines(child);
        waitForStep(lines, 5);
        new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start().waitFor();
        String rest = String.join("\n", lines.lines().toList());
        assertEquals(FinetuneCommand.INTERRUPTED, child.waitFor(), rest);
        assertTrue(rest.contains("\"status\" : \"interrupted\"") && rest.contains("lipsim finetune --resume"), rest);
        Matcher stopped = Pattern.compile("stopped after step (\\d+)").matcher(rest);
        assertTrue(stopped.find(), rest);
        assertEquals(Long.parseLong(stopped.group(1)), RunDirectory.latestIn(run).map(RunDirectory::stepOf).orElseThrow(),
                "the checkpoint holds the step that was running");

        Process resumed = start(List.of("finetune", "--resume", run.toString(), "--no-eval"));
        assertEquals(0, resumed.waitFor(), () -> output(resumed));
        assertSameState(uninterrupted, RunDirectory.latestIn(run).orElseThrow());
    }
}
