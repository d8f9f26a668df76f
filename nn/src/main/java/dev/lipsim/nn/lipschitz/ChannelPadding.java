package dev.lipsim.nn.lipschitz;

import dev.lipsim.nn.Module;
import dev.lipsim.tensor.PadMode;
import dev.lipsim.tensor.Tensor;

/**
 * Pads NCHW inputs with zero channels up to {@code channels}. Guarantee: an isometric embedding
 * (the output's norm and distances equal the input's), so 1-Lipschitz. The output is
 * channels-last, the layout the convolutions that follow run fastest in.
 */
public final class ChannelPadding extends Module {

    private final int channels;

    public ChannelPadding(int channels) {
        this.channels = channels;
    }

    @Override
    protected Tensor compute(Tensor x) {
        long extra = channels - x.size(1);
        if (extra < 0) {
            throw new IllegalArgumentException("input has " + x.size(1) + " channels, more than the " + channels + " to pad to");
        }
        // Padding keeps the input's layout: convert the small input rather than the padded output.
        return ConvolutionLayout.of(x).pad(new long[] {0, 0, 0, 0, 0, extra}, PadMode.CONSTANT, 0);
    }
}
