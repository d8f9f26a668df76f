package dev.lipsim.metric;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.bindings.LibTorch;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimConfig;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import org.junit.jupiter.api.Test;

/** TF32 is cuDNN's: with it allowed, a metric on the CPU still computes in float32 and its radii stay sound. */
class SoundRadiiTest {

    @Test
    void aCpuMetricKeepsItsRadiiWithTf32Allowed() {
        try (var metric = new LipSim(new LipSimModel(new LipSimConfig(2, 16, 8, 1, 64, 32, 32), new Generator(2)),
                EmbeddingMap.UNIT, Device.CPU)) {
            LibTorch.allowTf32Convolutions(true);
            try {
                assertTrue(LibTorch.tf32Convolutions());
                assertDoesNotThrow(metric::requireSoundRadii);
            } finally {
                LibTorch.allowTf32Convolutions(false);
            }
        }
    }
}
