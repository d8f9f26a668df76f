package dev.lipsim.nn.vit;

import dev.lipsim.nn.LayerNorm;
import dev.lipsim.nn.Linear;
import dev.lipsim.nn.Module;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;

/** A pre-norm transformer block: {@code x + attn(norm1(x))}, then {@code + mlp(norm2(x))}. */
final class Block extends Module {

    private final LayerNorm norm1;
    private final Attention attention;
    private final LayerNorm norm2;
    private final Mlp mlp;

    Block(VitConfig config, Generator generator) {
        this.norm1 = child("norm1", VisionTransformer.layerNorm(config));
        this.attention = child("attn", new Attention(config, generator));
        this.norm2 = child("norm2", VisionTransformer.layerNorm(config));
        this.mlp = child("mlp", new Mlp(config, generator));
    }

    @Override
    protected Tensor compute(Tensor x) {
        Tensor attended = x.add(attention.forward(norm1.forward(x)));
        return attended.add(mlp.forward(norm2.forward(attended)));
    }

    /** Multi-head self-attention with one fused {@code qkv} projection, as DINO and timm store it. */
    static final class Attention extends Module {
        private final int heads;
        private final Linear qkv;
        private final Linear projection;

        Attention(VitConfig config, Generator generator) {
            this.heads = config.heads();
            this.qkv = child("qkv", new Linear(config.width(), 3 * config.width(), true, generator));
            this.projection = child("proj", new Linear(config.width(), config.width(), true, generator));
        }

        @Override
        protected Tensor compute(Tensor x) {
            long n = x.size(0);
            long tokens = x.size(1);
            long width = x.size(2);
            try (var scope = TensorScope.open()) {
                // [N, T, 3W] -> [3, N, heads, T, W / heads]
                Tensor split = qkv.forward(x).reshape(n, tokens, 3, heads, width / heads).permute(2, 0, 3, 1, 4);
                Tensor attended = Tensor.scaledDotProductAttention(split.select(0, 0), split.select(0, 1), split.select(0, 2),
                        null, false, null);
                return scope.keep(projection.forward(attended.transpose(1, 2).reshape(n, tokens, width)));
            }
        }
    }

    /** {@code fc2(activation(fc1(x)))}. */
    static final class Mlp extends Module {
        private final Linear fc1;
        private final Linear fc2;
        private final VitConfig.Activation activation;

        Mlp(VitConfig config, Generator generator) {
            this.fc1 = child("fc1", new Linear(config.width(), config.mlpWidth(), true, generator));
            this.fc2 = child("fc2", new Linear(config.mlpWidth(), config.width(), true, generator));
            this.activation = config.activation();
        }

        @Override
        protected Tensor compute(Tensor x) {
            try (var scope = TensorScope.open()) {
                Tensor hidden = fc1.forward(x);
                Tensor activated = activation == VitConfig.Activation.GELU ? hidden.gelu() : hidden.mul(hidden.mul(1.702).sigmoid());
                return scope.keep(fc2.forward(activated));
            }
        }
    }
}
