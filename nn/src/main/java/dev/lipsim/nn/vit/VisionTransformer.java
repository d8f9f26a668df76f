package dev.lipsim.nn.vit;

import dev.lipsim.nn.Init;
import dev.lipsim.nn.LayerNorm;
import dev.lipsim.nn.Module;
import dev.lipsim.nn.Parameter;
import dev.lipsim.nn.Sequential;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Vision Transformer in DINO's parameter layout: {@code patch_embed.proj} (a convolution with
 * stride = patch size), {@code cls_token}, {@code pos_embed}, {@code pos_drop} (CLIP's
 * {@code ln_pre}, present only with {@link VitConfig#preNorm()}), {@code blocks.i.{norm1,
 * attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}}, {@code norm}, and {@code proj}
 * ({@code [width, projection]}, with {@link VitConfig#projection()}). These are the names of
 * timm's and DINO's checkpoints and of the CLIP weights DreamSim stores in DINO's layout.
 *
 * <p>{@link #forward} gives every token after the final LayerNorm, {@code [N, 1 + patches, width]};
 * {@link #lastBlock} the tokens before it (DINO's block-11 hook); {@link #embedding} CLIP's image
 * embedding, the normalised class token times {@code proj}.
 */
public final class VisionTransformer extends Module {

    private final VitConfig config;
    private final Module patchEmbedding;
    private final Parameter classToken;
    private final Parameter positions;
    private final LayerNorm preNorm;
    private final Sequential blocks;
    private final LayerNorm norm;
    private final Parameter projection;

    public VisionTransformer(VitConfig config, Generator generator) {
        this.config = config;
        this.patchEmbedding = child("patch_embed", new PatchEmbedding(config, generator));
        this.classToken = parameter("cls_token", normal(new long[] {1, 1, config.width()}, generator));
        this.positions = parameter("pos_embed", normal(new long[] {1, 1 + config.patches(), config.width()}, generator));
        this.preNorm = config.preNorm() ? child("pos_drop", layerNorm(config)) : null;
        List<Module> layers = new ArrayList<>();
        for (int i = 0; i < config.depth(); i++) {
            layers.add(new Block(config, generator));
        }
        this.blocks = child("blocks", new Sequential(layers));
        this.norm = child("norm", layerNorm(config));
        this.projection = config.projection() > 0
                ? parameter("proj", Init.normal(Tensor.empty(new long[] {config.width(), config.projection()}, DType.FLOAT32,
                        Device.CPU), 0, Math.pow(config.width(), -0.5), generator))
                : null;
    }

    private static Tensor normal(long[] shape, Generator generator) {
        return Init.normal(Tensor.empty(shape, DType.FLOAT32, Device.CPU), 0, 0.02, generator);
    }

    static LayerNorm layerNorm(VitConfig config) {
        return new LayerNorm(new long[] {config.width()}, config.layerNormEps());
    }

    public VitConfig config() {
        return config;
    }

    /** All tokens after the final LayerNorm, {@code [N, 1 + patches, width]}, of images {@code [N, 3, S, S]}. */
    @Override
    protected Tensor compute(Tensor images) {
        return norm.forward(lastBlock(images));
    }

    /** The tokens the last block outputs, before the final LayerNorm. */
    public Tensor lastBlock(Tensor images) {
        long[] shape = images.shape();
        if (shape.length != 4 || shape[1] != 3 || shape[2] != config.imageSize() || shape[3] != config.imageSize()) {
            throw new IllegalArgumentException("expected images [N, 3, " + config.imageSize() + ", " + config.imageSize()
                    + "], got " + Arrays.toString(shape));
        }
        try (var scope = TensorScope.open()) {
            Tensor patches = patchEmbedding.forward(images);
            Tensor classes = classToken.value().expand(shape[0], -1, -1);
            Tensor tokens = Tensor.cat(List.of(classes, patches), 1).add(positions.value());
            if (preNorm != null) {
                tokens = preNorm.forward(tokens);
            }
            return scope.keep(blocks.forward(tokens));
        }
    }

    /** The image embedding: the class token after the final LayerNorm, projected if the model has {@code proj}. */
    public Tensor embedding(Tensor images) {
        try (var scope = TensorScope.open()) {
            Tensor classes = forward(images).select(1, 0);
            return scope.keep(projection == null ? classes : classes.matmul(projection.value()));
        }
    }

    /** Patches to tokens: a convolution with stride = patch size, flattened to {@code [N, patches, width]}. */
    private static final class PatchEmbedding extends Module {
        private final dev.lipsim.nn.Conv2d projection;

        PatchEmbedding(VitConfig config, Generator generator) {
            this.projection = child("proj", new dev.lipsim.nn.Conv2d(3, config.width(), config.patchSize(), config.patchSize(), 0,
                    true, generator));
        }

        @Override
        protected Tensor compute(Tensor images) {
            return projection.forward(images).flatten(2, 3).transpose(1, 2);
        }
    }
}
