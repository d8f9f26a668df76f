package dev.lipsim.certify;

/**
 * A metric's decision on one 2AFC triplet and how far the reference image may move (l2, pixels
 * in [0, 1]) without changing it.
 *
 * @param id the triplet's id
 * @param d0 distance from the reference to the left image
 * @param d1 distance from the reference to the right image
 * @param prediction 1 if the right image is closer, else 0 (a tie predicts 0)
 * @param label the people's choice, {@code round(target)}
 * @param radius the sound certified radius: within it the decision cannot change (0 for a tie;
 *     with unit embeddings also capped where the theorem stops holding)
 * @param referenceRadius the reference implementation's number, {@code |d0 - d1| / ||e0 - e1||}
 *     without the cap, infinite for a tie, for comparison with published figures only
 */
public record TripletCertificate(String id, double d0, double d1, int prediction, int label, double radius,
        double referenceRadius) {

    public boolean correct() {
        return prediction == label;
    }

    /** Correct, and provably so for every perturbation of the reference up to {@code eps}. */
    public boolean certifiedAt(double eps) {
        return correct() && radius > eps;
    }

    /** The reference's criterion: correct and its radius above {@code eps}. */
    public boolean referenceCertifiedAt(double eps) {
        return correct() && referenceRadius > eps;
    }
}
