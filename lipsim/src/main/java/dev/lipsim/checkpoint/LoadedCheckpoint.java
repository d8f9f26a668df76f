package dev.lipsim.checkpoint;

import dev.lipsim.model.LipSimModel;
import dev.lipsim.tensor.Tensor;
import java.util.Map;

/**
 * A model read from a checkpoint, with what else the checkpoint held for resuming training.
 *
 * @param model the model, with the checkpoint's weights
 * @param optimizerState Adam state in {@link dev.lipsim.nn.optim.Optimizer#loadStateDict} form ({@code <index>.<name>}), empty if none
 * @param step the global step, or -1 if unknown
 * @param epoch the epoch, or -1 if unknown
 * @param source the file and its format, for reports
 */
public record LoadedCheckpoint(LipSimModel model, Map<String, Tensor> optimizerState, long step, long epoch,
        String source) implements AutoCloseable {

    /** Frees the model and the optimizer state. */
    @Override
    public void close() {
        model.close();
        optimizerState.values().forEach(Tensor::close);
    }
}
