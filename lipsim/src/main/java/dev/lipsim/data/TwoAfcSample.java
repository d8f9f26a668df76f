package dev.lipsim.data;

import java.nio.file.Path;

/**
 * One two-alternative forced-choice triplet: a reference and two distorted versions.
 *
 * @param id an identifier, unique in its dataset
 * @param reference the reference image
 * @param left the first alternative ({@code x0}, NIGHT's left, BAPPS's p0)
 * @param right the second alternative ({@code x1})
 * @param target the fraction of people who judged {@code right} closer to the reference
 */
public record TwoAfcSample(String id, Path reference, Path left, Path right, double target) {

    /**
     * The 2AFC agreement of a metric's distances {@code d0 = d(reference, left)} and
     * {@code d1 = d(reference, right)} with the people: the fraction who chose as the metric does
     * ({@code 0.5} for a tie).
     */
    public double score(double d0, double d1) {
        return d0 < d1 ? 1 - target : d1 < d0 ? target : 0.5;
    }

    /** The human choice as a class: 1 if the right image is closer, 0 if the left (targets of 0.5 round to 0, as Python does). */
    public int humanChoice() {
        return (int) Math.rint(target);
    }
}
