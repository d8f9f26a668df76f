package dev.lipsim.demo;

import dev.lipsim.attack.Robustness;
import dev.lipsim.certify.Certification;
import java.util.List;
import java.util.Map;

/**
 * What a demonstration run measured, as {@code summary.json} holds it. Accuracies count
 * {@code round(target)} as the right answer (triplets without a majority are left out, as for
 * certificates and attacks); the 2AFC score is the paper's, the share of people who agree with
 * the metric. Paths are relative to the demo folder.
 *
 * @param natural each method's unattacked score
 * @param certified the fine-tuned model's certified accuracy at each radius
 * @param radii each test triplet's certified radius (0 where the decision is wrong)
 * @param attacks accuracy under each attack at each radius
 * @param examples a few test triplets with the fine-tuned model's distances
 * @param adversarial the decision flipped at the smallest radius, or null if no attack flipped one
 */
public record DemoSummary(DemoSettings settings, Data data, Map<String, Method> natural, Certification.Accuracy certified,
        double[] radii, Map<String, Robustness.Result> attacks, List<Triplet> examples, Adversarial adversarial) {

    /** The synthetic set: all triplets written, and the test triplets scored (those with a majority). */
    public record Data(int triplets, int testTriplets) {}

    /** A method's natural 2AFC score and accuracy. */
    public record Method(double twoAfc, double accuracy) {}

    /**
     * One test triplet: {@code target} of the people judged the right image closer; {@code d0}, {@code d1}
     * the metric's distances to the left and right image, {@code pixel0}, {@code pixel1} pixel l2's.
     */
    public record Triplet(String id, String reference, String left, String right, double target, double d0, double d1,
            double pixel0, double pixel1, double certifiedRadius) {}

    /** A reference image whose correct decision the ensemble flipped at {@code eps}, with distances before and after. */
    public record Adversarial(String triplet, double eps, String original, String adversarial, String left, String right,
            double d0, double d1, double attackedD0, double attackedD1) {}
}
