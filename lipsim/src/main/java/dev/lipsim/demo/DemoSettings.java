package dev.lipsim.demo;

import dev.lipsim.model.LipSimConfig;
import dev.lipsim.teacher.DemoTeacher;
import java.util.List;

/**
 * The sizes of a demonstration run: small enough for a laptop's CPU, large enough that the
 * numbers mean something.
 *
 * @param triplets synthetic triplets written (80% train, 10% validation, 10% test)
 * @param model the student (its embedding size is the demo teacher's)
 * @param distillEpochs passes of distillation over every image of the set
 * @param finetuneEpochs passes of hinge-loss fine-tuning over the training triplets
 * @param batchSize images (distillation) or triplets (fine-tuning) per step
 * @param attackSteps APGD-CE and PGD iterations
 * @param squareQueries the Square attack's queries in the AutoAttack-style ensemble
 * @param eps the l2 radii at which accuracy is certified and attacked
 * @param seed seeds the data, the initialisation, the data order and the attacks
 */
public record DemoSettings(int triplets, LipSimConfig model, int distillEpochs, int finetuneEpochs, int batchSize,
        int attackSteps, int squareQueries, List<Double> eps, long seed) {

    public static final double MARGIN = 0.05;
    public static final double LEARNING_RATE = 0.01;
    /** 0 and the paper's three radii, 36/255, 72/255 and 108/255. */
    public static final List<Double> RADII = List.of(0.0, 36 / 255.0, 72 / 255.0, 108 / 255.0);

    public DemoSettings {
        eps = List.copyOf(eps);
        if (triplets < 50 || distillEpochs < 1 || finetuneEpochs < 1 || batchSize < 1 || attackSteps < 2 || squareQueries < 1
                || eps.isEmpty()) {
            throw new IllegalArgumentException("a demo needs at least 50 triplets, an epoch of each training, attack steps"
                    + " and radii");
        }
    }

    /** About five minutes on two cores. */
    public static DemoSettings standard(long seed) {
        return new DemoSettings(1000, student(), 2, 12, 32, 20, 100, RADII, seed);
    }

    /** Under a minute on two cores: the same pipeline, less of everything. */
    public static DemoSettings quick(long seed) {
        return new DemoSettings(200, student(), 1, 4, 32, 5, 20, RADII, seed);
    }

    private static LipSimConfig student() {
        return new LipSimConfig(4, 32, 32, 2, 256, DemoTeacher.DIMENSION, 32);
    }
}
