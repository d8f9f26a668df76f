package dev.lipsim.certify;

import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.eval.TwoAfc;
import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Certified 2AFC accuracy: only the reference image is perturbed (l2); a triplet counts at eps if
 * the metric decides as people did ({@code round(target)}) and its certified radius exceeds eps.
 * Triplets whose target is exactly 0.5 have no right answer and are left out.
 */
public final class Certification {

    /** The radii the paper reports: 36, 72 and 108 / 255. */
    public static final List<Double> PAPER_EPS = List.of(36 / 255.0, 72 / 255.0, 108 / 255.0);

    private Certification() {}

    /** Certificates for every triplet of {@code samples} with a majority (target not 0.5), in order. */
    public static List<TripletCertificate> certify(LipSim metric, List<TwoAfcSample> samples, int batchSize,
            int decodeThreads) {
        metric.requireSoundRadii();
        List<TwoAfcSample> decided = samples.stream().filter(s -> s.target() != 0.5).toList();
        List<TripletCertificate> certificates = new ArrayList<>(decided.size());
        TwoAfc.forEachBatch(metric, decided, batchSize, decodeThreads,
                (batch, features, offset) -> certificates.addAll(certify(features, metric.embeddingMap(), batch.items())));
        return certificates;
    }

    /** Certificates from backbone features {@code [3n, F]} (references, then left, then right images). */
    public static List<TripletCertificate> certify(Tensor features, EmbeddingMap map, List<TwoAfcSample> triplets) {
        int n = triplets.size();
        try (var scope = TensorScope.open()) {
            Tensor embeddings = map.apply(features);
            Tensor reference = embeddings.narrow(0, 0, n);
            Tensor left = embeddings.narrow(0, n, n);
            Tensor right = embeddings.narrow(0, 2L * n, n);
            double[] d0 = EmbeddingMap.distance(reference, left).toDoubleArray();
            double[] d1 = EmbeddingMap.distance(reference, right).toDoubleArray();
            double[] gaps = left.sub(right).norm(new int[] {1}, false).toDoubleArray();
            double[] norms = features.narrow(0, 0, n).norm(new int[] {1}, false).toDoubleArray();
            List<TripletCertificate> certificates = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                TwoAfcSample triplet = triplets.get(i);
                certificates.add(new TripletCertificate(triplet.id(), d0[i], d1[i], d1[i] < d0[i] ? 1 : 0,
                        triplet.humanChoice(), Radii.decisionRadius(map, d0[i], d1[i], gaps[i], norms[i]),
                        Radii.referenceRadius(d0[i], d1[i], gaps[i])));
            }
            return certificates;
        }
    }

    /**
     * Accuracy over a set of triplets.
     *
     * @param triplets triplets with a majority
     * @param natural the fraction decided as people did
     * @param certified for each eps, the fraction decided correctly with a sound radius above eps
     * @param reference for each eps, the reference implementation's number (no cap, ties counted)
     */
    public record Accuracy(int triplets, double natural, Map<Double, Double> certified, Map<Double, Double> reference) {}

    /** Natural and certified accuracy of {@code certificates} at each of {@code eps}. */
    public static Accuracy accuracy(List<TripletCertificate> certificates, List<Double> eps) {
        int n = certificates.size();
        Map<Double, Double> certified = new LinkedHashMap<>();
        Map<Double, Double> reference = new LinkedHashMap<>();
        for (double e : eps) {
            certified.put(e, certificates.stream().filter(c -> c.certifiedAt(e)).count() / (double) n);
            reference.put(e, certificates.stream().filter(c -> c.referenceCertifiedAt(e)).count() / (double) n);
        }
        return new Accuracy(n, certificates.stream().filter(TripletCertificate::correct).count() / (double) n, certified,
                reference);
    }
}
