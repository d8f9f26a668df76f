package dev.lipsim.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.attack.Apgd;
import dev.lipsim.attack.Norm;
import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimConfig;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetrievalTest {

    @Test
    void recallCountsRanksAsDefined() {
        assertEquals(Map.of(1, 0.25, 2, 0.5, 5, 1.0), Map.copyOf(Retrieval.recall(new int[] {1, 2, 3, 5}, List.of(1, 2, 5))));
    }

    @Test
    void noAttackChangesACertifiedTopOneAnswerInsideItsRadius() {
        var config = new LipSimConfig(2, 8, 3, 1, 16, 8, 16);
        Generator generator = new Generator(13);
        int checked = 0;
        for (EmbeddingMap map : EmbeddingMap.values()) {
            try (var scope = TensorScope.open(); var metric = new LipSim(new LipSimModel(config, generator), map, Device.CPU)) {
                Tensor indexed = Tensor.rand(generator, new long[] {8, 3, 16, 16}, DType.FLOAT32, Device.CPU);
                Tensor queries = indexed.add(Tensor.randn(generator, indexed.shape(), DType.FLOAT32, Device.CPU).mul(0.05))
                        .clamp(0, 1);
                int[] matches = {0, 1, 2, 3, 4, 5, 6, 7};
                var retrieval = new Retrieval(metric, metric.embeddings(indexed));
                Retrieval.Answers answers = retrieval.answer(queries, matches, 1);
                for (int q = 0; q < 8; q++) {
                    if (!answers.topOneCorrect(q) || answers.radii()[q] < 1e-6) {
                        continue;
                    }
                    checked++;
                    Tensor one = queries.narrow(0, q, 1);
                    int[] match = {q};
                    long kept = retrieval.robustTopOne(one, match, new Apgd(Norm.L2, 30, 1, generator),
                            0.999 * answers.radii()[q]);
                    assertEquals(1, kept, map + " query " + q + " lost its certified answer");
                }
            }
        }
        assertTrue(checked >= 4, "enough queries were certified: " + checked);
    }
}
