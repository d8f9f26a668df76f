package dev.lipsim.tensor;

import dev.lipsim.bindings.TensorHandle;

/**
 * The result of a reduction that also says where: {@code max(dim)}, {@code min(dim)}.
 *
 * @param values the extreme values
 * @param indices their int64 positions along the reduced dimension
 */
public record ValuesAndIndices(Tensor values, Tensor indices) {

    static ValuesAndIndices of(TensorHandle[] pair) {
        return new ValuesAndIndices(Tensor.wrap(pair[0]), Tensor.wrap(pair[1]));
    }
}
