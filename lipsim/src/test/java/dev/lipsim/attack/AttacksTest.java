package dev.lipsim.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.certify.Certification;
import dev.lipsim.certify.TripletCertificate;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimConfig;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.nn.Balls;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The attacks: bounds, strength against a closed form, and soundness against certificates. */
class AttacksTest {

    private static final Generator GENERATOR = new Generator(11);

    private static List<Attack> attacks() {
        return List.of(Pgd.pgd(Norm.L2, 40, GENERATOR), Pgd.pgd(Norm.LINF, 40, GENERATOR),
                Pgd.momentumIterative(Norm.L2, 40, GENERATOR), Pgd.momentumIterative(Norm.LINF, 40, GENERATOR),
                new Apgd(Norm.L2, 40, 2, GENERATOR), new Apgd(Norm.LINF, 40, 1, GENERATOR),
                new SquareAttack(Norm.L2, 100, 0.8, GENERATOR), new SquareAttack(Norm.LINF, 100, 0.8, GENERATOR),
                WorstCase.autoAttack(Norm.L2, 20, 50, GENERATOR), WorstCase.autoAttack(Norm.LINF, 20, 50, GENERATOR),
                new CarliniWagner(30, 3, 0.05, 1));
    }

    /** A decision linear in the input: class 1 iff {@code w . x + b > 0}. */
    private static Decision linear(Tensor w, double b) {
        return x -> {
            try (var scope = TensorScope.open()) {
                Tensor score = x.flatten(1, -1).matmul(w.reshape(-1, 1)).add(b);
                return scope.keep(Tensor.cat(List.of(score.zerosLike(), score), 1));
            }
        };
    }

    @Test
    void perturbationsStayInTheBallAndTheImageAndEpsZeroChangesNothing() {
        try (var scope = TensorScope.open()) {
            Tensor w = Tensor.randn(GENERATOR, new long[] {3 * 8 * 8}, DType.FLOAT32, Device.CPU);
            Tensor x = Tensor.rand(GENERATOR, new long[] {4, 3, 8, 8}, DType.FLOAT32, Device.CPU);
            long[] labels = {0, 1, 0, 1};
            for (Attack attack : attacks()) {
                for (double eps : new double[] {0.03, 0.5, 3}) {
                    Tensor adversarial = attack.perturb(linear(w, 0.1), x, labels, eps);
                    double[] norms = attack.norm().norms(adversarial.sub(x)).toDoubleArray();
                    for (double norm : norms) {
                        assertTrue(norm <= eps + 1e-6, attack.name() + " left the ball: " + norm + " > " + eps);
                    }
                    assertTrue(adversarial.min().item() >= 0 && adversarial.max().item() <= 1, attack.name() + " left [0, 1]");
                }
                assertArrayEquals(x.toFloatArray(), attack.perturb(linear(w, 0.1), x, labels, 0).toFloatArray(), 0f);
            }
        }
    }

    /** Carlini-Wagner searches once for all radii, and gives at each what a search for that radius alone gives. */
    @Test
    void carliniWagnerAtSeveralRadiiEqualsOneRadiusAtATime() {
        try (var scope = TensorScope.open()) {
            Tensor w = Tensor.randn(GENERATOR, new long[] {3 * 8 * 8}, DType.FLOAT32, Device.CPU);
            Tensor x = Tensor.rand(GENERATOR, new long[] {4, 3, 8, 8}, DType.FLOAT32, Device.CPU);
            long[] labels = {0, 1, 0, 1};
            Attack attack = new CarliniWagner(30, 3, 0.05, 1);
            List<Double> eps = List.of(0.0, 0.03, 0.5, 3.0);
            long before = Tensor.liveCount();
            List<Tensor> together = attack.perturbEach(linear(w, 0.1), x, labels, eps);
            assertEquals(before + eps.size(), Tensor.liveCount(), "the results alone stay alive");
            for (int i = 0; i < eps.size(); i++) {
                assertArrayEquals(attack.perturb(linear(w, 0.1), x, labels, eps.get(i)).toFloatArray(),
                        together.get(i).toFloatArray(), 0f, "eps " + eps.get(i));
            }
        }
    }

    @Test
    void attacksLeaveNothingAliveButTheirResult() {
        try (var scope = TensorScope.open()) {
            Tensor w = Tensor.randn(GENERATOR, new long[] {3 * 8 * 8}, DType.FLOAT32, Device.CPU);
            Tensor x = Tensor.rand(GENERATOR, new long[] {4, 3, 8, 8}, DType.FLOAT32, Device.CPU);
            for (Attack attack : attacks()) {
                long before = Tensor.liveCount();
                attack.perturb(linear(w, 0.1), x, new long[] {0, 1, 0, 1}, 0.5).close();
                assertEquals(before, Tensor.liveCount(), attack.name());
            }
        }
    }

    @Test
    void theDistanceAttackStaysUnderTheLipschitzBoundAndBeatsRandomNoise() {
        var config = new LipSimConfig(2, 8, 3, 1, 16, 8, 16);
        Generator generator = new Generator(5);
        long before = Tensor.liveCount();
        try (var scope = TensorScope.open();
                var metric = new LipSim(new LipSimModel(config, generator), EmbeddingMap.APPEND_ONE, Device.CPU)) {
            Tensor images = Tensor.rand(generator, new long[] {4, 3, 16, 16}, DType.FLOAT32, Device.CPU);
            DistanceAttack attack = new DistanceAttack(30, generator);
            assertEquals(0, attack.distances(metric, images, 0).abs().max().item());
            for (double eps : new double[] {0.5, 2, 8}) {
                double[] reached = attack.distances(metric, images, eps).toDoubleArray();
                Tensor noise = Balls.keepInImage(images, Norm.L2.randomStart(images.shape(), eps, generator));
                double[] random = EmbeddingMap.distance(metric.embeddings(images.add(noise)), metric.embeddings(images))
                        .toDoubleArray();
                for (int i = 0; i < reached.length; i++) {
                    assertTrue(reached[i] <= DistanceAttack.bound(eps) + 1e-6, "over the bound at " + eps + ": " + reached[i]);
                    assertTrue(reached[i] >= random[i], "the attack does at least as well as random noise of the same size");
                }
            }
        }
        assertEquals(before, Tensor.liveCount(), "nothing is left alive");
    }

    @ParameterizedTest
    @EnumSource(Norm.class)
    void squareFindsFlipsWithoutGradientsAndTheEnsembleKeepsTheWorstCase(Norm norm) {
        try (var scope = TensorScope.open()) {
            Tensor w = Tensor.randn(GENERATOR, new long[] {3 * 8 * 8}, DType.FLOAT32, Device.CPU);
            Tensor x = Tensor.full(new long[] {6, 3, 8, 8}, 0.5, DType.FLOAT32, Device.CPU)
                    .add(Tensor.randn(GENERATOR, new long[] {6, 3, 8, 8}, DType.FLOAT32, Device.CPU).mul(0.01));
            Decision decision = linear(w, 0.2);
            double[] scores = x.flatten(1, -1).matmul(w.reshape(-1, 1)).add(0.2).toDoubleArray();
            // the distance to the decision boundary: |score| over the dual norm of w
            double dual = norm == Norm.L2 ? w.norm().item() : w.abs().sum().item();
            long[] labels = new long[6];
            double worst = 0;
            for (int i = 0; i < 6; i++) {
                labels[i] = scores[i] > 0 ? 1 : 0;
                worst = Math.max(worst, Math.abs(scores[i]) / dual);
            }
            // random search in l2 aligns with w more slowly than sign flips in l-infinity
            double eps = norm == Norm.L2 ? 3 * worst : Math.min(0.45, 1.5 * worst);
            assertEquals(0, Robustness.correct(decision, new SquareAttack(norm, 500, 0.8, GENERATOR).perturb(decision, x, labels,
                    eps), labels), "every sample flipped by score queries alone");
            // masked gradients: the scores are the same, the gradient with respect to the input is zero
            Decision masked = inputs -> decision.logits(inputs.mul(0.0).add(inputs.detach()));
            Tensor viaEnsemble = WorstCase.autoAttack(norm, 20, 500, GENERATOR).perturb(masked, x, labels, eps);
            assertEquals(0, Robustness.correct(masked, viaEnsemble, labels), "Square finds what APGD cannot without gradients");
        }
    }

    @Test
    void theL2SquareUpdateIsAUnitBumpPositiveAboveAndNegativeBelow() {
        float[] bump = SquareAttack.bump(5, false);
        double squares = 0;
        for (float v : bump) {
            squares += v * v;
        }
        assertEquals(1, squares, 1e-6);
        assertTrue(bump[2] > 0 && bump[2 * 5 + 2] < 0, "rows 0-1 positive, rows 2-4 negative");
        assertTrue(bump[0] < bump[2] && bump[4 * 5 + 2] > bump[3 * 5 + 2], "peaked at the centre of each half");
        float[] transposed = SquareAttack.bump(5, true);
        assertEquals(bump[1 * 5 + 3], transposed[3 * 5 + 1]);
    }

    /** An embedding with no Lipschitz constraint: two random layers of gain about 10 each, then unit length. */
    private static Decision unconstrained(Tensor left, Tensor right, Generator generator) {
        Tensor first = Tensor.randn(generator, new long[] {3 * 16 * 16, 128}, DType.FLOAT32, Device.CPU).mul(0.4);
        Tensor second = Tensor.randn(generator, new long[] {128, 32}, DType.FLOAT32, Device.CPU).mul(1.0);
        java.util.function.UnaryOperator<Tensor> embed = x -> {
            Tensor features = x.flatten(1, -1).sub(0.5).matmul(first).relu().matmul(second);
            return features.div(features.norm(new int[] {1}, true));
        };
        Tensor e0 = embed.apply(left);
        Tensor e1 = embed.apply(right);
        return x -> {
            try (var scope = TensorScope.open()) {
                Tensor e = embed.apply(x);
                Tensor d0 = e.mul(e0).sum(1, false).neg().add(1.0);
                Tensor d1 = e.mul(e1).sum(1, false).neg().add(1.0);
                return scope.keep(Tensor.stack(List.of(d1, d0), 1));
            }
        };
    }

    @Test
    void withoutALipschitzConstraintEveryAttackFlipsNearlyAllDecisionsAtSmallEps() {
        try (var scope = TensorScope.open()) {
            Generator generator = new Generator(5);
            Tensor reference = Tensor.rand(generator, new long[] {20, 3, 16, 16}, DType.FLOAT32, Device.CPU).mul(0.8).add(0.1);
            Tensor left = reference.add(Tensor.randn(generator, reference.shape(), DType.FLOAT32, Device.CPU).mul(0.1)).clamp(0, 1);
            Tensor right = reference.add(Tensor.randn(generator, reference.shape(), DType.FLOAT32, Device.CPU).mul(0.1)).clamp(0, 1);
            Decision decision = unconstrained(left, right, generator);
            long[] labels;
            try (var noGrad = dev.lipsim.tensor.Autograd.noGrad()) {
                labels = decision.logits(reference).argmax(1, false).toLongArray(); // natural accuracy 1 by construction
            }
            double l2 = 36 / 255.0; // the paper's smallest certified radius
            double linf = 2 / 255.0; // two grey levels
            for (Attack attack : List.of(Pgd.pgd(Norm.L2, 50, generator), Pgd.momentumIterative(Norm.L2, 50, generator),
                    new Apgd(Norm.L2, 50, 1, generator), new CarliniWagner(100, 4, 0.01, 1),
                    WorstCase.autoAttack(Norm.L2, 50, 500, generator), Pgd.pgd(Norm.LINF, 50, generator),
                    Pgd.momentumIterative(Norm.LINF, 50, generator), new Apgd(Norm.LINF, 50, 1, generator),
                    WorstCase.autoAttack(Norm.LINF, 50, 500, generator))) {
                double eps = attack.norm() == Norm.L2 ? l2 : linf;
                long correct = Robustness.correct(decision, attack.perturb(decision, reference, labels, eps), labels);
                assertTrue(correct <= 2, attack.name() + " left " + correct + " of 20 decisions unchanged at eps " + eps);
            }
        }
    }

    @Test
    void apgdHalvesItsStepAtTheCheckpointsOfThePaper() {
        // p0 = 0, p1 = 0.22, then stretches shrinking by 0.03 down to 0.06: 22, 41, 57, 70, 80, 87, 93, 99 of 100
        assertEquals(List.of(22, 41, 57, 70, 80, 87, 93, 99), Apgd.checkpoints(100));
    }

    @Test
    void l2AttacksReachTheClosedFormOptimumOfALinearDecision() {
        try (var scope = TensorScope.open()) {
            Tensor w = Tensor.randn(GENERATOR, new long[] {3 * 8 * 8}, DType.FLOAT32, Device.CPU);
            Tensor x = Tensor.full(new long[] {5, 3, 8, 8}, 0.5, DType.FLOAT32, Device.CPU)
                    .add(Tensor.randn(GENERATOR, new long[] {5, 3, 8, 8}, DType.FLOAT32, Device.CPU).mul(0.01));
            double b = 0.3;
            Decision decision = linear(w, b);
            double[] scores = x.flatten(1, -1).matmul(w.reshape(-1, 1)).add(b).toDoubleArray();
            long[] labels = new long[5];
            for (int i = 0; i < 5; i++) {
                labels[i] = scores[i] > 0 ? 1 : 0;
            }
            double wNorm = w.norm().item();
            for (Attack attack : List.of(Pgd.pgd(Norm.L2, 100, GENERATOR), Pgd.momentumIterative(Norm.L2, 100, GENERATOR),
                    new Apgd(Norm.L2, 100, 1, GENERATOR), new CarliniWagner(200, 6, 0.01, 10))) {
                for (int i = 0; i < 5; i++) {
                    double optimum = Math.abs(scores[i]) / wNorm;
                    Tensor one = x.narrow(0, i, 1);
                    long[] label = {labels[i]};
                    assertEquals(0, Robustness.correct(decision, attack.perturb(decision, one, label, 1.01 * optimum), label),
                            attack.name() + " should flip at 1.01x the optimal radius " + optimum);
                    assertEquals(1, Robustness.correct(decision, attack.perturb(decision, one, label, 0.99 * optimum), label),
                            "nothing flips below the optimal radius");
                }
            }
        }
    }

    @Test
    void noAttackFlipsACertifiedTripletInsideItsRadius() {
        var config = new LipSimConfig(2, 8, 3, 1, 16, 8, 16);
        Generator generator = new Generator(3);
        int checked = 0;
        for (EmbeddingMap map : EmbeddingMap.values()) {
            try (var scope = TensorScope.open();
                    var metric = new LipSim(new LipSimModel(config, generator), map, Device.CPU)) {
                Tensor reference = Tensor.rand(generator, new long[] {6, 3, 16, 16}, DType.FLOAT32, Device.CPU);
                Tensor left = reference.add(Tensor.randn(generator, reference.shape(), DType.FLOAT32, Device.CPU).mul(0.1))
                        .clamp(0, 1);
                Tensor right = reference.add(Tensor.randn(generator, reference.shape(), DType.FLOAT32, Device.CPU).mul(0.3))
                        .clamp(0, 1);
                Path none = Path.of("in-memory");
                List<TwoAfcSample> triplets = java.util.stream.IntStream.range(0, 6)
                        .mapToObj(i -> new TwoAfcSample(Integer.toString(i), none, none, none, 0.0)).toList();
                List<TripletCertificate> certificates = Certification.certify(
                        metric.features(Tensor.cat(List.of(reference, left, right), 0)), map, triplets);
                try (var decision = new TripletDecision(metric, left, right)) {
                    for (int i = 0; i < 6; i++) {
                        TripletCertificate certificate = certificates.get(i);
                        if (certificate.radius() < 1e-6) {
                            continue;
                        }
                        checked++;
                        long[] label = {certificate.prediction()};
                        Tensor one = reference.narrow(0, i, 1);
                        for (Attack attack : List.of(Pgd.pgd(Norm.L2, 30, generator), new Apgd(Norm.L2, 30, 1, generator),
                                new SquareAttack(Norm.L2, 100, 0.8, generator))) {
                            try (var each = TensorScope.open()) {
                                // the decision's own view: single triplet i against its alternatives
                                int index = i;
                                Decision single = x -> decision.logits(x.expand(6, -1, -1, -1)).narrow(0, index, 1);
                                Tensor adversarial = attack.perturb(single, one, label, 0.999 * certificate.radius());
                                assertEquals(1, Robustness.correct(single, adversarial, label), attack.name() + ", " + map
                                        + " triplet " + i);
                            }
                        }
                    }
                }
            }
        }
        assertTrue(checked >= 4, "enough triplets had a positive radius: " + checked);
    }
}
