package dev.lipsim.teacher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.nn.vit.VitConfig;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ensemble teacher on a miniature DreamSim download against the same towers in PyTorch (make_dreamsim_fixture.py). */
class DreamSimTeacherTest {

    private static final Path FOLDER = Path.of("src/test/resources/fixtures/dreamsim");
    private static final Path EXPECTED = Path.of("src/test/resources/fixtures/dreamsim_expected.safetensors");

    private static VitConfig tiny(double eps, VitConfig.Activation activation, boolean clip) {
        return new VitConfig(32, 8, 48, 2, 4, 96, eps, activation, clip, clip ? 16 : 0);
    }

    private static DreamSimTeacher load(Path folder) throws IOException {
        return DreamSimTeacher.load(folder, tiny(1e-6, VitConfig.Activation.GELU, false),
                tiny(1e-5, VitConfig.Activation.QUICK_GELU, true), tiny(1e-5, VitConfig.Activation.GELU, true));
    }

    @Test
    void embedsAsTheLoraMergedTowersInPyTorch() throws IOException {
        try (var scope = TensorScope.open(); DreamSimTeacher teacher = load(FOLDER)) {
            Map<String, Tensor> expected = SafeTensors.read(EXPECTED).tensors();
            assertEquals(48 + 16 + 16, teacher.dimension());
            Tensor images = expected.get("images");
            Tensor embedding = teacher.embed(Collections.nCopies(3, new Teacher.View("x", false)), images);
            assertArrayEquals(expected.get("embedding").toFloatArray(), embedding.toFloatArray(), 1e-5f);
        }
    }

    @Test
    void aFolderWithoutDreamSimsFilesIsNamed(@TempDir Path empty) {
        var missing = assertThrows(IOException.class, () -> load(empty));
        assertTrue(missing.getMessage().contains("lacks") && missing.getMessage().contains("clip_vitb16_pretrain.pth.tar"),
                missing.getMessage());
    }
}
