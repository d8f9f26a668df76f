package dev.lipsim.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.nn.lipschitz.QRescaling;
import dev.lipsim.nn.lipschitz.SllConv2d;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A composite frees each inner output once the next layer has consumed it: memory does not grow with depth. */
class ForwardOwnershipTest {

    /** Passes its input through, recording the most tensors ever open when it ran. */
    static final class Probe extends Module {
        long peak;

        @Override
        protected Tensor compute(Tensor x) {
            peak = Math.max(peak, Tensor.liveCount());
            return x;
        }
    }

    private static Sequential stack(int depth, int channels, Probe probe) {
        Generator generator = new Generator(3);
        List<Module> layers = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            layers.add(new SllConv2d(channels, 4, QRescaling.REFERENCE, generator));
            layers.add(probe);
        }
        return new Sequential(layers);
    }

    /** Tensors open during the forward pass beyond those open before it, at the worst moment. */
    private static long peakExtraTensors(int depth, boolean grad) {
        Probe probe = new Probe();
        try (Sequential stack = stack(depth, 6, probe); var scope = TensorScope.open();
                var mode = grad ? Autograd.enableGrad() : Autograd.noGrad()) {
            Tensor x = Tensor.rand(2, 6, 8, 8);
            stack.forward(x).close();  // fills the layers' caches, which the layers own
            probe.peak = 0;
            long before = Tensor.liveCount();
            stack.forward(x);
            return probe.peak - before;
        }
    }

    @Test
    void openTensorsDuringForwardDoNotGrowWithDepth() {
        for (boolean grad : new boolean[] {false, true}) {
            long shallow = peakExtraTensors(3, grad);
            long deep = peakExtraTensors(30, grad);
            assertEquals(shallow, deep, "grad=" + grad);
            assertTrue(deep <= 2, "at most the current input and output, got " + deep);
        }
    }

    @Test
    void peakResidentMemoryOfForwardDoesNotGrowWithDepth() throws IOException {
        long activation = 8L * 16 * 128 * 128 * Float.BYTES;
        peakResidentBytes(4);
        long shallow = peakResidentBytes(4);
        long deep = peakResidentBytes(24);
        // Keeping every layer's output would add 20 activations (160 MB); allow 8 for noise (JVM heap growth).
        assertTrue(deep - shallow < 8 * activation, "peak resident memory grew by " + (deep - shallow) / (1 << 20)
                + " MiB from 4 to 24 layers (one activation is " + activation / (1 << 20) + " MiB)");
    }

    /** Peak resident memory of one no-grad forward pass, from the kernel's high-water mark reset just before it. */
    private static long peakResidentBytes(int depth) throws IOException {
        try (Sequential stack = stack(depth, 16, new Probe()); var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            Tensor x = Tensor.rand(new Generator(1), new long[] {8, 16, 128, 128}, DType.FLOAT32, Device.CPU);
            stack.forward(Tensor.rand(2, 16, 8, 8));  // caches and code paths warm
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            stack.forward(x).close();
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).findFirst().orElseThrow();
        }
    }
}
