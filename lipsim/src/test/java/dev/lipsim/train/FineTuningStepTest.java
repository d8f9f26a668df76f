package dev.lipsim.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lipsim.checkpoint.Checkpoint;
import dev.lipsim.checkpoint.LoadedCheckpoint;
import dev.lipsim.data.ImageBatches;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.nn.Parameter;
import dev.lipsim.nn.optim.Adam;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One hinge fine-tuning step from the reference checkpoint, against the same step in PyTorch (make_finetune_fixture.py). */
class FineTuningStepTest {

    private static final Path FIXTURES = Path.of("src/test/resources/fixtures");

    @Test
    void matchesPyTorchLossGradientsAndAdamUpdate() throws IOException {
        try (var scope = TensorScope.open()) {
            Map<String, Tensor> expected = SafeTensors.read(FIXTURES.resolve("finetune_step.safetensors")).tensors();
            double[] settings = expected.get("settings").toDoubleArray();
            LoadedCheckpoint start = Checkpoint.load(FIXTURES.resolve("model.ckpt-1234.pth"), 10);
            LipSimModel model = start.model();
            List<Parameter> parameters = model.parameters();
            Adam adam = Adam.adam(parameters, settings[1], 0.5, 0.9, 1e-8, 0);
            adam.loadStateDict(start.optimizerState());
            double[] targets = expected.get("targets").toDoubleArray();
            List<TwoAfcSample> triplets = List.of(triplet(0, targets[0]), triplet(1, targets[1]));
            Tensor images = Tensor.cat(List.of(expected.get("reference"), expected.get("left"), expected.get("right")), 0);
            var batch = new ImageBatches.Batch<>(triplets, images, 3);

            model.train();
            Tensor loss = new HingeObjective(model, EmbeddingMap.UNIT, settings[0], Device.CPU).loss(batch);
            assertEquals(expected.get("loss").item(), loss.item(), 1e-6);
            loss.backward();
            Map<String, Tensor> state = model.stateDict();
            for (Parameter parameter : parameters) {
                String name = nameOf(state, parameter);
                if (name.startsWith("convs.") && name.endsWith(".q")) {
                    // q cancels out of the reference convolution: no gradient here, 0 up to rounding there
                    assertNull(parameter.grad(), name);
                    assertArrayEquals(new double[parameter.value().toDoubleArray().length],
                            expected.get("grad." + name).toDoubleArray(), 1e-9, name);
                } else {
                    assertArrayEquals(expected.get("grad." + name).toDoubleArray(), parameter.grad().toDoubleArray(), 1e-6,
                            "gradient of " + name);
                }
            }
            assertEquals("convs.0.q", nameOf(state, parameters.get(2)));
            double[] convQ = parameters.get(2).value().toDoubleArray();
            adam.step();
            for (Parameter parameter : parameters) {
                String name = nameOf(state, parameter);
                if (name.startsWith("convs.") && name.endsWith(".q")) {
                    continue; // PyTorch's Adam still moves it by its stored momentum; it has no effect on outputs
                }
                assertArrayEquals(expected.get("updated." + name).toDoubleArray(), parameter.value().toDoubleArray(), 1e-6,
                        "updated " + name);
            }
            assertArrayEquals(convQ, parameters.get(2).value().toDoubleArray(), 0.0, "a parameter without gradient stays");
            start.optimizerState().values().forEach(Tensor::close);
            adam.close();
            model.close();
        }
    }

    private static TwoAfcSample triplet(int index, double target) {
        Path none = Path.of("in-memory-" + index);
        return new TwoAfcSample(Integer.toString(index), none, none, none, target);
    }

    private static String nameOf(Map<String, Tensor> state, Parameter parameter) {
        return state.entrySet().stream().filter(e -> e.getValue() == parameter.value()).findFirst().orElseThrow().getKey();
    }
}
