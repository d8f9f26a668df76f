package dev.lipsim.tensor;

import java.util.List;

/**
 * What the CPU convolution self-check measured and the path it chose: for each path it tried,
 * the probes with their float32 errors against float64 on the same library. {@code path} is null
 * when no path was correct.
 */
public record ConvolutionCheck(ConvolutionPath path, List<Trial> trials, long nanos) {

    public ConvolutionCheck {
        trials = List.copyOf(trials);
    }

    /** One path tried: each probe's result, and whether all of them were within the tolerance. */
    public record Trial(ConvolutionPath path, List<Probe> probes) {

        public Trial {
            probes = List.copyOf(probes);
        }

        public boolean correct() {
            return probes.stream().allMatch(Probe::correct);
        }
    }

    /**
     * One probe: relative l2 errors of the float32 output and of its input and weight gradients
     * against float64 (NaN when float32 produced NaN).
     */
    public record Probe(String description, double outputError, double inputGradError, double weightGradError) {

        /**
         * Far above float32 rounding for these reductions (at most 272 terms: gamma_272 is 1.6e-5
         * relative to the sum of absolute products) and far below the errors of a wrong kernel
         * (0.1 and more, or NaN).
         */
        public static final double TOLERANCE = 1e-4;

        public boolean correct() {
            return outputError <= TOLERANCE && inputGradError <= TOLERANCE && weightGradError <= TOLERANCE;
        }

        @Override
        public String toString() {
            return String.format("%s: output %.1e, input gradient %.1e, weight gradient %.1e%s", description, outputError,
                    inputGradError, weightGradError, correct() ? "" : " (wrong)");
        }
    }
}
