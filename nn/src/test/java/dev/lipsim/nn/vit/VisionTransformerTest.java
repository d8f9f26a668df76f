package dev.lipsim.nn.vit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ViT against timm (DINO's configuration) and open_clip (QuickGELU, ln_pre, projection); make_vit_fixture.py. */
class VisionTransformerTest {

    private static final Path FIXTURE = Path.of("src/test/resources/fixtures/vit_reference.safetensors");

    private static Map<String, Tensor> withPrefix(Map<String, Tensor> all, String prefix) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        all.forEach((name, tensor) -> {
            if (name.startsWith(prefix)) {
                state.put(name.substring(prefix.length()), tensor);
            }
        });
        return state;
    }

    @Test
    void dinoConfigurationMatchesTimmTokensAndLastBlock() throws IOException {
        try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            Map<String, Tensor> fixture = SafeTensors.read(FIXTURE).tensors();
            var config = new VitConfig(32, 8, 48, 2, 4, 96, 1e-6, VitConfig.Activation.GELU, false, 0);
            try (var vit = new VisionTransformer(config, new Generator(0))) {
                Map<String, Tensor> state = withPrefix(fixture, "dino.");
                state.remove("tokens");
                state.remove("last_block");
                vit.loadStateDict(state);
                Tensor images = fixture.get("images");
                assertArrayEquals(fixture.get("dino.tokens").toFloatArray(), vit.forward(images).toFloatArray(), 1e-5f);
                assertArrayEquals(fixture.get("dino.last_block").toFloatArray(), vit.lastBlock(images).toFloatArray(), 1e-5f);
                assertThrows(IllegalArgumentException.class, () -> vit.forward(Tensor.zeros(1, 3, 16, 16)));
            }
        }
    }

    @Test
    void clipConfigurationMatchesOpenClipEmbedding() throws IOException {
        try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            Map<String, Tensor> fixture = SafeTensors.read(FIXTURE).tensors();
            var config = new VitConfig(32, 8, 48, 2, 4, 96, 1e-5, VitConfig.Activation.QUICK_GELU, true, 16);
            try (var vit = new VisionTransformer(config, new Generator(0))) {
                Map<String, Tensor> state = withPrefix(fixture, "clip.");
                state.remove("embedding");
                vit.loadStateDict(state);
                assertArrayEquals(fixture.get("clip.embedding").toFloatArray(), vit.embedding(fixture.get("images")).toFloatArray(),
                        1e-5f);
            }
        }
    }
}
