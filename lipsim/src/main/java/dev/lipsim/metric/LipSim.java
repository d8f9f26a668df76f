package dev.lipsim.metric;

import dev.lipsim.bindings.LibTorch;
import dev.lipsim.certify.Radii;
import dev.lipsim.data.ImageBatches;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The LipSim metric: a backbone, the map from its features to unit embeddings, and the
 * preprocessing of the reference (RGB, bicubic antialiased resize to the model's input size,
 * values in [0, 1]). Distances are {@code 1 - cos} of embeddings.
 *
 * <p>Every distance comes with how far it can move: the backbone is 1-Lipschitz, so with a
 * 1-Lipschitz embedding map, perturbing one image by {@code delta} (l2, in [0, 1] pixel units)
 * moves the distance by at most {@code ||delta||}. With {@link EmbeddingMap#APPEND_ONE} that holds
 * for every perturbation; with {@link EmbeddingMap#UNIT} only while the perturbed features keep a
 * norm of at least 1, which is guaranteed for {@code ||delta|| <= ||f(x)|| - 1}.
 */
public final class LipSim implements AutoCloseable {

    private final LipSimModel model;
    private final EmbeddingMap embedding;
    private final Device device;

    public LipSim(LipSimModel model, EmbeddingMap embedding, Device device) {
        this.model = model;
        this.embedding = embedding;
        this.device = device.requireAvailable();
        model.eval();
        model.to(device);
    }

    /**
     * Throws unless radii derived from this metric's outputs are sound. On CUDA with TF32
     * convolutions ({@link LibTorch#TF32_PROPERTY}) the features are off by about 1e-3 relative,
     * more than the margins of a certificate allow for. Every method that returns
     * certified radii calls this first (certification, distance, retrieval).
     */
    public void requireSoundRadii() {
        if (device.isCuda() && LibTorch.tf32Convolutions()) {
            throw new IllegalStateException("certified radii need float32 convolutions, but TF32 is on ("
                    + LibTorch.TF32_PROPERTY + "=true): its errors of about 1e-3 would make them unsound; run without it");
        }
    }

    public LipSimModel model() {
        return model;
    }

    public EmbeddingMap embeddingMap() {
        return embedding;
    }

    /** The image in {@code file} as the model takes it: {@code [3, S, S]} in [0, 1]. */
    public Tensor preprocess(Path file) throws IOException {
        return ImageBatches.preprocess(file, model.config().imageSize());
    }

    /**
     * Backbone features {@code [N, F]} of preprocessed images {@code [N, 3, S, S]}, without
     * gradients; features that are NaN or infinite (broken weights or input) are an error, never a result.
     */
    public Tensor features(Tensor images) {
        try (var noGrad = Autograd.noGrad(); var scope = TensorScope.open()) {
            Tensor features = model.forward(images.to(device)).to(Device.CPU);
            long broken = (long) features.isFinite().logicalNot().sum(1, false).gt(0).sum().item();
            if (broken > 0) {
                throw new ArithmeticException("the model's features are NaN or infinite for " + broken + " of " + features.size(0)
                        + " images: its weights or the input are not finite");
            }
            return scope.keep(features);
        }
    }

    /** Unit embeddings {@code [N, F]} of preprocessed images {@code [N, 3, S, S]}, without gradients. */
    public Tensor embeddings(Tensor images) {
        try (var scope = TensorScope.open()) {
            return scope.keep(embedding.apply(features(images)));
        }
    }

    /**
     * A distance and its robustness.
     *
     * @param distance {@code 1 - cos} of the two embeddings
     * @param featureNorms the norms of the two images' backbone features
     * @param certifiedRadii for each image, the l2 radius (in [0, 1] pixel units) within which a
     *     perturbation of that image moves the distance by at most its own norm
     *     ({@link Radii#lipschitzRadius})
     */
    public record Distance(double distance, double[] featureNorms, double[] certifiedRadii) {}

    public Distance distance(Path first, Path second) throws IOException {
        requireSoundRadii();
        try (var scope = TensorScope.open()) {
            Tensor images = Tensor.stack(List.of(preprocess(first), preprocess(second)), 0);
            Tensor features = features(images);
            Tensor embeddings = embedding.apply(features);
            double distance = EmbeddingMap.distance(embeddings.narrow(0, 0, 1), embeddings.narrow(0, 1, 1)).item();
            double[] norms = features.norm(new int[] {1}, false).toDoubleArray();
            double[] radii = new double[2];
            for (int i = 0; i < 2; i++) {
                radii[i] = Radii.lipschitzRadius(embedding, norms[i]);
            }
            return new Distance(distance, norms, radii);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
