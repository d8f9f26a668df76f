package dev.lipsim.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimConfig;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Certified radii against brute force: an optimiser that perturbs the reference to flip the
 * decision never succeeds inside the radius, and on a case where the bound is tight it succeeds
 * just outside.
 */
class CertificationTest {

    private static TwoAfcSample triplet(int i, double target) {
        Path none = Path.of("in-memory");
        return new TwoAfcSample(Integer.toString(i), none, none, none, target);
    }

    /** Features of reference, left, right images under {@code f}, role-major as the certifier takes them. */
    private static Tensor features(UnaryOperator<Tensor> f, Tensor reference, Tensor left, Tensor right) {
        return Tensor.cat(List.of(f.apply(reference), f.apply(left), f.apply(right)), 0);
    }

    /**
     * The largest value of {@code d_correct - d_wrong} (positive: the decision flipped) that projected
     * gradient ascent on the reference finds within {@code radius} (l2).
     */
    private static double bestFlip(UnaryOperator<Tensor> f, EmbeddingMap map, Tensor reference, Tensor left, Tensor right,
            int prediction, double radius, Generator generator) {
        double best = Double.NEGATIVE_INFINITY;
        try (var scope = TensorScope.open()) {
            Tensor e0 = map.apply(f.apply(left)).detach();
            Tensor e1 = map.apply(f.apply(right)).detach();
            for (int restart = 0; restart < 3; restart++) {
                Tensor delta = Tensor.randn(generator, reference.shape(), DType.FLOAT64, Device.CPU);
                delta = delta.mul(radius * 0.5 / delta.norm().item());
                for (int step = 0; step < 60; step++) {
                    try (var stepScope = TensorScope.open()) {
                        Tensor d = delta.clone().requiresGrad(true);
                        Tensor er = map.apply(f.apply(reference.add(d)));
                        Tensor d0 = EmbeddingMap.distance(er, e0);
                        Tensor d1 = EmbeddingMap.distance(er, e1);
                        Tensor flip = prediction == 0 ? d0.sub(d1).sum() : d1.sub(d0).sum();
                        best = Math.max(best, flip.item());
                        flip.backward();
                        Tensor grad = d.grad();
                        Tensor moved = d.detach().add(grad.mul(radius * 0.2 / Math.max(1e-12, grad.norm().item())));
                        double norm = moved.norm().item();
                        delta = stepScope.keep(norm > radius ? moved.mul(radius / norm) : moved);
                    }
                }
            }
        }
        return best;
    }

    @Test
    void theAppendOneRadiusIsTightWhereNormalisationIsAnIsometryToFirstOrder() {
        try (var scope = TensorScope.open()) {
            // Identity features: the reference sits at c along the axis between two images at +-s, so the decision flips
            // exactly when the reference crosses 0, at distance c; the certificate says c / sqrt(1 + c^2).
            double c = 0.05;
            Tensor reference = Tensor.of(new double[] {c, 0, 0}, 1, 3);
            Tensor left = Tensor.of(new double[] {0.8, 0, 0}, 1, 3);
            Tensor right = Tensor.of(new double[] {-0.8, 0, 0}, 1, 3);
            UnaryOperator<Tensor> identity = x -> x;
            TripletCertificate certificate = Certification.certify(features(identity, reference, left, right),
                    EmbeddingMap.APPEND_ONE, List.of(triplet(0, 0.0))).getFirst();
            assertEquals(0, certificate.prediction());
            assertEquals(c / Math.sqrt(1 + c * c), certificate.radius(), 1e-12);
            Generator generator = new Generator(1);
            assertTrue(bestFlip(identity, EmbeddingMap.APPEND_ONE, reference, left, right, 0, 0.999 * certificate.radius(),
                    generator) < 0, "no flip inside the radius");
            assertTrue(bestFlip(identity, EmbeddingMap.APPEND_ONE, reference, left, right, 0, 1.01 * certificate.radius(),
                    generator) > 0, "a flip just outside it");
        }
    }

    @Test
    void unitEmbeddingsAreCappedWhereTheFeaturesMayReachTheUnitBall() {
        try (var scope = TensorScope.open()) {
            Tensor reference = Tensor.of(new double[] {1.2, 0.3, 0}, 1, 3);
            Tensor left = Tensor.of(new double[] {1.0, 0.9, 0}, 1, 3);
            Tensor right = Tensor.of(new double[] {1.0, -0.9, 0.2}, 1, 3);
            TripletCertificate certificate = Certification.certify(features(x -> x, reference, left, right), EmbeddingMap.UNIT,
                    List.of(triplet(0, 0.0))).getFirst();
            double norm = Math.sqrt(1.2 * 1.2 + 0.3 * 0.3);
            assertEquals(norm - 1, certificate.radius(), 1e-12, "the cap ||f(ref)|| - 1 is the binding constraint here");
            assertTrue(certificate.referenceRadius() > certificate.radius(), "the reference's formula ignores the cap");
        }
    }

    @Test
    void noOptimiserFlipsATinyLipSimModelInsideItsRadius() {
        var config = new LipSimConfig(2, 8, 3, 1, 16, 8, 16);
        Generator generator = new Generator(7);
        try (var scope = TensorScope.open(); var model = new LipSimModel(config, generator)) {
            model.eval();
            model.to(DType.FLOAT64);
            UnaryOperator<Tensor> f = model::forward;
            int checked = 0;
            for (EmbeddingMap map : EmbeddingMap.values()) {
                for (int i = 0; i < 6; i++) {
                    try (var each = TensorScope.open()) {
                        Tensor reference = Tensor.rand(generator, new long[] {1, 3, 16, 16}, DType.FLOAT64, Device.CPU);
                        Tensor left = reference.add(Tensor.randn(generator, reference.shape(), DType.FLOAT64, Device.CPU).mul(0.1));
                        Tensor right = reference.add(Tensor.randn(generator, reference.shape(), DType.FLOAT64, Device.CPU).mul(0.3));
                        TripletCertificate certificate = Certification.certify(features(f, reference, left, right), map,
                                List.of(triplet(i, 0.0))).getFirst();
                        if (certificate.radius() > 1e-6) {
                            checked++;
                            assertTrue(bestFlip(f, map, reference, left, right, certificate.prediction(),
                                    0.999 * certificate.radius(), generator) < 0, map + " triplet " + i + " flipped inside "
                                    + certificate.radius());
                        }
                    }
                }
            }
            assertTrue(checked >= 6, "enough triplets had a positive radius: " + checked);
        }
    }

    @Test
    void tiesGetNoRadiusAndAccuracyCountsAsDefined() {
        try (var scope = TensorScope.open()) {
            Tensor same = Tensor.of(new double[] {1, 2, 3}, 1, 3);
            TripletCertificate tie = Certification.certify(Tensor.cat(List.of(same, same, same), 0), EmbeddingMap.APPEND_ONE,
                    List.of(triplet(0, 0.2))).getFirst();
            assertEquals(0, tie.radius());
            assertEquals(Double.POSITIVE_INFINITY, tie.referenceRadius(), "the reference counts a tie as certified");
        }
        List<TripletCertificate> certificates = new ArrayList<>();
        certificates.add(new TripletCertificate("a", 0.1, 0.3, 0, 0, 0.5, 0.5));
        certificates.add(new TripletCertificate("b", 0.1, 0.3, 0, 0, 0.2, 0.4));
        certificates.add(new TripletCertificate("c", 0.2, 0.2, 0, 0, 0, Double.POSITIVE_INFINITY));
        certificates.add(new TripletCertificate("d", 0.3, 0.1, 1, 0, 0.9, 0.9));
        Certification.Accuracy accuracy = Certification.accuracy(certificates, List.of(0.0, 0.3));
        assertEquals(0.75, accuracy.natural());
        assertEquals(0.5, accuracy.certified().get(0.0), "radius must exceed eps: the tie's 0 does not");
        assertEquals(0.25, accuracy.certified().get(0.3));
        assertEquals(0.75, accuracy.reference().get(0.0));
        assertEquals(0.75, accuracy.reference().get(0.3));
        assertFalse(certificates.get(3).certifiedAt(0.1), "a wrong decision is never certified");
    }
}
