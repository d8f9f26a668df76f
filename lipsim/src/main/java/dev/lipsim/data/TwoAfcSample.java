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

    /** The human choice as a class: 1 if the right image is closer, 0 if the left (targets of 0.5 round to 0, as Python does). */
    public int humanChoice() {
        return (int) Math.rint(target);
    }
}
