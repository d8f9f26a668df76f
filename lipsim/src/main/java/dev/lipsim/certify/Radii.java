package dev.lipsim.certify;

import dev.lipsim.model.EmbeddingMap;

/**
 * The certificate rules. The backbone f is 1-Lipschitz. Normalising {@code v -> v / ||v||} is
 * 1-Lipschitz between points of norm at least 1 ({@code ||u/|u| - v/|v||| <= ||u - v|| /
 * sqrt(|u||v|)}), so the embedding map e is 1-Lipschitz: always for {@link EmbeddingMap#APPEND_ONE}
 * ({@code [f, 1]} has norm at least 1), and for {@link EmbeddingMap#UNIT} only while
 * {@code ||f|| >= 1}, which holds within {@code ||f(x)|| - 1} of x.
 */
public final class Radii {

    private Radii() {}

    /**
     * How far an image may move while every distance to it moves by at most the perturbation's
     * norm: unlimited with the append-one map, {@code max(0, ||f(x)|| - 1)} with unit embeddings.
     */
    public static double lipschitzRadius(EmbeddingMap map, double featureNorm) {
        return map == EmbeddingMap.APPEND_ONE ? Double.POSITIVE_INFINITY : Math.max(0, featureNorm - 1);
    }

    /**
     * The radius within which perturbing the reference cannot change a 2AFC decision:
     * {@code d1 - d0 = <e(ref), e(x0) - e(x1)>} is linear in e(ref), which moves by at most
     * {@code ||delta||} while e is 1-Lipschitz, so the sign holds for
     * {@code ||delta|| < |d0 - d1| / ||e(x0) - e(x1)||}, and no further than
     * {@link #lipschitzRadius}. A tie has radius 0.
     */
    public static double decisionRadius(EmbeddingMap map, double d0, double d1, double embeddingGap,
            double referenceFeatureNorm) {
        if (d0 == d1) {
            return 0;
        }
        return Math.min(Math.abs(d0 - d1) / embeddingGap, lipschitzRadius(map, referenceFeatureNorm));
    }

    /** The reference implementation's radius: no Lipschitz cap, and a tie counts as infinitely robust. */
    public static double referenceRadius(double d0, double d1, double embeddingGap) {
        return d0 == d1 ? Double.POSITIVE_INFINITY : Math.abs(d0 - d1) / embeddingGap;
    }
}
