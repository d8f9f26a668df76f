package dev.lipsim.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModuleTest {

    @TempDir
    Path work;

    /** A small tree: convs (Sequential of two Conv2d) and a Linear head, plus a buffer. */
    static final class Net extends Module {
        final Sequential convs;
        final Linear head;
        final Parameter counter;

        Net(Generator generator) {
            convs = child("convs", new Sequential(new Conv2d(1, 2, 3, 1, 1, true, generator), Layers.relu(),
                    new Conv2d(2, 2, 3, 1, 1, false, generator)));
            head = child("head", new Linear(2 * 4 * 4, 3, true, generator));
            counter = buffer("counter", Tensor.of(new long[] {0}, 1));
        }

        @Override
        protected Tensor compute(Tensor input) {
            return head.forward(convs.forward(input).flatten(1, -1));
        }
    }

    @Test
    void namesShapesAndModes() {
        try (Net net = new Net(new Generator(1)); var scope = TensorScope.open()) {
            assertEquals(List.of("convs.0.weight", "convs.0.bias", "convs.2.weight", "head.weight", "head.bias"),
                    List.copyOf(net.namedParameters().keySet()));
            assertEquals(List.of("counter", "convs.0.weight", "convs.0.bias", "convs.2.weight", "head.weight", "head.bias"),
                    List.copyOf(net.stateDict().keySet()));
            assertEquals(2 * 9 + 2 + 2 * 2 * 9 + 32 * 3 + 3, net.parameterCount());
            assertTrue(net.parameters().stream().allMatch(p -> p.value().requiresGrad()));
            assertFalse(net.stateDict().get("counter").requiresGrad());
            assertArrayEquals(new long[] {5, 3}, net.forward(Tensor.rand(5, 1, 4, 4)).shape());
            assertTrue(net.isTraining());
            net.eval();
            assertFalse(net.convs.isTraining());
            net.train();
            assertTrue(net.head.isTraining());
        }
    }

    @Test
    void parametersSurviveTheScopeTheyWereMadeInAndAreFreedByClose() {
        long before = Tensor.liveCount();
        Net net;
        try (var scope = TensorScope.open()) {
            net = new Net(new Generator(2));
        }
        assertFalse(net.head.weight().value().isClosed());
        net.close();
        assertTrue(net.head.weight().value().isClosed());
        assertEquals(before, Tensor.liveCount());
    }

    @Test
    void stateDictRoundTripsThroughSafetensors() throws Exception {
        Path file = work.resolve("net.safetensors");
        try (Net a = new Net(new Generator(3)); Net b = new Net(new Generator(4)); var scope = TensorScope.open()) {
            Tensor x = Tensor.rand(new Generator(5), new long[] {2, 1, 4, 4}, DType.FLOAT32, Device.CPU);
            assertFalse(java.util.Arrays.equals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray()));
            a.save(file, Map.of("model", "net"));
            assertEquals(Map.of("model", "net"), b.load(file));
            assertArrayEquals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray());
        }
    }

    @Test
    void strictLoadingNamesEveryBadKey() {
        try (Net net = new Net(new Generator(6)); var scope = TensorScope.open()) {
            Map<String, Tensor> state = new LinkedHashMap<>(net.stateDict());
            state.remove("head.bias");
            state.put("head.extra", Tensor.zeros(1));
            state.put("convs.0.weight", Tensor.zeros(9));
            var error = assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(state));
            String message = error.getMessage();
            assertTrue(message.contains("shape mismatch for convs.0.weight (checkpoint [9], model [2, 1, 3, 3])"), message);
            assertTrue(message.contains("missing keys [head.bias]"), message);
            assertTrue(message.contains("unexpected keys [head.extra]"), message);
            state.put("convs.0.weight", Tensor.zeros(2, 1, 3, 3));
            Module.LoadResult result = net.loadStateDict(state, false);
            assertEquals(List.of("head.bias"), result.missing());
            assertEquals(List.of("head.extra"), result.unexpected());
            assertEquals(0, net.convs.get(0).stateDict().get("weight").abs().sum().item(), "matching keys were loaded");
        }
    }

    @Test
    void dtypeMoveKeepsValuesAndHolders() {
        try (Net net = new Net(new Generator(7)); var scope = TensorScope.open()) {
            Parameter weight = net.head.weight();
            float[] before = weight.value().toFloatArray();
            net.to(DType.FLOAT64);
            assertEquals(DType.FLOAT64, weight.value().dtype());
            assertEquals(DType.INT64, net.stateDict().get("counter").dtype(), "integer buffers keep their dtype");
            assertTrue(weight.value().requiresGrad());
            double[] after = weight.value().toDoubleArray();
            for (int i = 0; i < before.length; i++) {
                assertEquals(before[i], after[i], 0.0);
            }
            net.to(Device.CPU);
            assertEquals(Device.CPU, weight.value().device());
        }
    }

    @Test
    void zeroGradRemovesGradients() {
        try (Net net = new Net(new Generator(8)); var scope = TensorScope.open()) {
            net.forward(Tensor.rand(1, 1, 4, 4)).sum().backward();
            assertTrue(net.parameters().stream().allMatch(p -> p.grad() != null));
            net.zeroGrad();
            assertTrue(net.parameters().stream().allMatch(p -> p.grad() == null));
        }
    }

    @Test
    void registrationErrors() {
        class Bad extends Module {
            Bad() {
                parameter("w", Tensor.zeros(1));
                parameter("w", Tensor.zeros(1));
            }

            @Override
            protected Tensor compute(Tensor input) {
                return input;
            }
        }
        assertThrows(IllegalArgumentException.class, Bad::new);
    }

    @Test
    void linearComputesXWtPlusB() {
        try (Linear linear = new Linear(3, 2, true, new Generator(9)); var scope = TensorScope.open()) {
            Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3);
            float[] w = linear.weight().value().toFloatArray();
            float[] b = linear.bias().value().toFloatArray();
            float[] y = linear.forward(x).toFloatArray();
            for (int o = 0; o < 2; o++) {
                assertEquals(w[3 * o] + 2 * w[3 * o + 1] + 3 * w[3 * o + 2] + b[o], y[o], 1e-6);
            }
            assertNull(new Linear(3, 2, false, new Generator(1)).bias());
        }
    }
}
