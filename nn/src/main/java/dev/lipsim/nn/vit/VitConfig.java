package dev.lipsim.nn.vit;

/**
 * The shape of a Vision Transformer in DINO's layout (which timm shares): square RGB inputs cut
 * into {@code patchSize} patches, a class token, learned position embeddings, {@code depth}
 * pre-norm blocks of {@code heads}-head attention and an MLP of {@code mlpWidth}, a final
 * LayerNorm, and optionally CLIP's extras: a LayerNorm after the position embeddings
 * ({@code ln_pre}) and a projection of the class token to {@code projection} dimensions.
 *
 * @param imageSize input side in pixels, a multiple of {@code patchSize}
 * @param patchSize patch side in pixels
 * @param width token width
 * @param depth number of blocks
 * @param heads attention heads, dividing {@code width}
 * @param mlpWidth hidden width of the MLPs
 * @param layerNormEps the epsilon of every LayerNorm (DINO 1e-6, CLIP 1e-5)
 * @param activation the MLPs' activation
 * @param preNorm whether a LayerNorm follows the position embeddings (CLIP's {@code ln_pre})
 * @param projection the size the class token is projected to, or 0 for none
 */
public record VitConfig(int imageSize, int patchSize, int width, int depth, int heads, int mlpWidth, double layerNormEps,
        Activation activation, boolean preNorm, int projection) {

    /** The MLP activations in use. */
    public enum Activation {
        /** {@code x * Phi(x)}, exact (DINO, OpenCLIP). */
        GELU,
        /** {@code x * sigmoid(1.702 x)} (OpenAI CLIP). */
        QUICK_GELU
    }

    public VitConfig {
        if (imageSize < 1 || patchSize < 1 || imageSize % patchSize != 0) {
            throw new IllegalArgumentException("the image size must be a positive multiple of the patch size, got " + imageSize
                    + " and " + patchSize);
        }
        if (width < 1 || depth < 1 || heads < 1 || width % heads != 0 || mlpWidth < 1 || projection < 0) {
            throw new IllegalArgumentException("need positive width, depth, heads dividing the width and MLP width, got "
                    + width + ", " + depth + ", " + heads + ", " + mlpWidth + " (projection " + projection + ")");
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("the LayerNorm epsilon must be positive, got " + layerNormEps);
        }
    }

    /** ViT-B/16 as DINO trains it: 224 pixels, width 768, 12 blocks of 12 heads, MLP 3072, eps 1e-6, GELU. */
    public static VitConfig dinoB16() {
        return new VitConfig(224, 16, 768, 12, 12, 3072, 1e-6, Activation.GELU, false, 0);
    }

    /** CLIP's ViT-B/16 image tower in DINO's layout: eps 1e-5, {@code ln_pre}, a 512-dimension projection. */
    public static VitConfig clipB16(Activation activation) {
        return new VitConfig(224, 16, 768, 12, 12, 3072, 1e-5, activation, true, 512);
    }

    /** Patches per image. */
    public int patches() {
        return (imageSize / patchSize) * (imageSize / patchSize);
    }
}
