package dev.lipsim.model;

import dev.lipsim.nn.Layers;
import dev.lipsim.nn.Module;
import dev.lipsim.nn.Sequential;
import dev.lipsim.nn.lipschitz.ChannelPadding;
import dev.lipsim.nn.lipschitz.LipschitzPooling;
import dev.lipsim.nn.lipschitz.QRescaling;
import dev.lipsim.nn.lipschitz.SllConv2d;
import dev.lipsim.nn.lipschitz.SllLinear;
import dev.lipsim.nn.lipschitz.Truncation;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The LipSim backbone, a 1-Lipschitz (l2) map from RGB images in [0, 1] to features:
 * zero channels up to {@code channels}, {@code depth} SLL convolutions, two Lipschitz poolings
 * (window 4, sum / 4), flatten, {@code linearDepth} SLL linear layers, and the first
 * {@code embeddingDim} features.
 *
 * <p>Parameter names match the reference's state dict without its wrappers:
 * {@code convs.{0..depth-1}.{kernel,bias,q}} (the poolings follow in the same sequence) and
 * {@code linear.{1..linearDepth}.{weight,bias,q}} (index 0 is the flatten). The convolutions keep
 * the reference's behaviour ({@link QRescaling#REFERENCE}), so official checkpoints reproduce.
 */
public final class LipSimModel extends Module {

    private final LipSimConfig config;
    private final ChannelPadding padding;
    private final Sequential convs;
    private final Sequential linear;
    private final Truncation truncation;

    public LipSimModel(LipSimConfig config, Generator generator) {
        config.requireMemory();
        this.config = config;
        this.padding = child("padding", new ChannelPadding(config.channels()));
        List<Module> convLayers = new ArrayList<>();
        for (int i = 0; i < config.depth(); i++) {
            convLayers.add(new SllConv2d(config.channels(), config.convInner(), QRescaling.REFERENCE, generator));
        }
        convLayers.add(new LipschitzPooling(4));
        convLayers.add(new LipschitzPooling(4));
        this.convs = child("convs", new Sequential(convLayers));
        List<Module> linearLayers = new ArrayList<>();
        linearLayers.add(Layers.flatten());
        for (int i = 0; i < config.linearDepth(); i++) {
            linearLayers.add(new SllLinear(config.flattened(), config.linearFeatures(), generator));
        }
        this.linear = child("linear", new Sequential(linearLayers));
        this.truncation = child("truncation", new Truncation(config.embeddingDim()));
    }

    public LipSimConfig config() {
        return config;
    }

    /** Features {@code [N, embeddingDim]} of images {@code [N, 3, imageSize, imageSize]} in [0, 1]. */
    @Override
    protected Tensor compute(Tensor images) {
        long[] shape = images.shape();
        if (shape.length != 4 || shape[1] != 3 || shape[2] != config.imageSize() || shape[3] != config.imageSize()) {
            throw new IllegalArgumentException("expected images of shape [N, 3, " + config.imageSize() + ", "
                    + config.imageSize() + "], got " + Arrays.toString(shape));
        }
        return chain(images, List.of(padding, convs, linear, truncation));
    }
}
