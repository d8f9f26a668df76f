package dev.lipsim.attack;

import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;

/**
 * The Square attack (Andriushchenko et al. 2020): a random search that uses only the decision's
 * scores, no gradients, so it still works where gradients are masked. Per sample it proposes a
 * change inside a random square and keeps it when the margin (correct logit minus the other)
 * drops; the square's share of the image starts at {@code p} and halves at the paper's fractions of
 * the budget (10, 50, 200, 500, 1,000, 2,000, 4,000, 6,000, 8,000 of 10,000).
 *
 * <p>l-infinity: start from vertical stripes of {@code +-eps}, propose {@code +-eps} per channel in
 * the square. l2: start from a grid of pseudo-Gaussian bumps scaled to {@code eps}; a proposal moves
 * the perturbation's mass out of a second square into the first, reshaped as a bump, then rescales
 * the whole perturbation to {@code eps} (the budget stays on the sphere, clipping to [0, 1] aside).
 */
public final class SquareAttack implements Attack {

    private static final int[] HALVINGS = {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000};

    private final Norm norm;
    private final int queries;
    private final double initialShare;
    private final Generator generator;

    /** {@code queries} proposals per sample; {@code initialShare} of the pixels in the first square (the paper: 0.05 to 0.8). */
    public SquareAttack(Norm norm, int queries, double initialShare, Generator generator) {
        if (queries < 1 || !(initialShare > 0 && initialShare <= 1)) {
            throw new IllegalArgumentException("need queries >= 1 and a share in (0, 1], got " + queries + ", " + initialShare);
        }
        this.norm = norm;
        this.queries = queries;
        this.initialShare = initialShare;
        this.generator = generator;
    }

    @Override
    public String name() {
        return norm == Norm.L2 ? "square-l2" : "square-linf";
    }

    @Override
    public Norm norm() {
        return norm;
    }

    /** The share of pixels the square covers at proposal {@code i}. */
    double share(int i) {
        double scaled = (double) i / queries * 10_000;
        double share = initialShare;
        for (int halving : HALVINGS) {
            if (scaled > halving) {
                share /= 2;
            }
        }
        return share;
    }

    @Override
    public Tensor perturb(Decision decision, Tensor inputs, long[] labels, double eps) {
        if (eps == 0) {
            return inputs.clone();
        }
        try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            Tensor onehot = Pgd.onehot(labels);
            Tensor adversarial = norm == Norm.L2 ? startL2(inputs, eps) : startLinf(inputs, eps);
            Tensor margin = decision.margin(adversarial, onehot);
            for (int i = 0; i < queries; i++) {
                try (var step = TensorScope.open()) {
                    Tensor active = margin.gt(0);
                    if (active.sum().item() == 0) {
                        break;
                    }
                    Tensor proposal = norm == Norm.L2 ? proposeL2(inputs, adversarial, eps, share(i))
                            : proposeLinf(inputs, adversarial, eps, share(i));
                    Tensor proposed = decision.margin(proposal, onehot);
                    Tensor accept = proposed.lt(margin).logicalAnd(active);
                    Tensor nextAdversarial = step.keep(Norm.choose(accept, proposal, adversarial));
                    Tensor nextMargin = step.keep(Tensor.where(accept, proposed, margin));
                    adversarial.close();
                    margin.close();
                    adversarial = nextAdversarial;
                    margin = nextMargin;
                }
            }
            return scope.keep(adversarial);
        }
    }

    private Tensor startLinf(Tensor inputs, double eps) {
        long[] shape = inputs.shape();
        try (var scope = TensorScope.open()) {
            Tensor stripes = signs(new long[] {shape[0], shape[1], 1, shape[3]}).expand(shape).mul(eps).to(inputs.dtype());
            return scope.keep(inputs.add(stripes).clamp(0, 1));
        }
    }

    /** Every channel of one random square per sample set to {@code +-eps} around the clean input. */
    private Tensor proposeLinf(Tensor inputs, Tensor adversarial, double eps, double share) {
        int n = (int) inputs.size(0);
        int height = (int) inputs.size(2);
        int width = (int) inputs.size(3);
        try (var scope = TensorScope.open()) {
            int side = (int) Math.max(1, Math.min(Math.round(Math.sqrt(share * height * width)), Math.min(height, width)));
            Tensor window = squares(n, height, width, side, false).mask().to(inputs.dtype());
            Tensor values = inputs.add(signs(new long[] {n, inputs.size(1), 1, 1}).mul(eps).to(inputs.dtype())).clamp(0, 1);
            return scope.keep(adversarial.add(values.sub(adversarial).mul(window)));
        }
    }

    /** A grid of bumps, one random sign per tile, sample and channel, scaled to norm {@code eps}. */
    private Tensor startL2(Tensor inputs, double eps) {
        int n = (int) inputs.size(0);
        int height = (int) inputs.size(2);
        int width = (int) inputs.size(3);
        int tile = Math.max(1, Math.min(height, width) / 5);
        try (var scope = TensorScope.open()) {
            Tensor delta = Tensor.zeros(inputs.shape(), DType.FLOAT32, Device.CPU);
            for (int top = height % tile / 2; top + tile <= height; top += tile) {
                for (int left = width % tile / 2; left + tile <= width; left += tile) {
                    float[] grid = new float[height * width];
                    float[] bump = bump(tile, generator.nextDouble() < 0.5);
                    for (int y = 0; y < tile; y++) {
                        System.arraycopy(bump, y * tile, grid, (top + y) * width + left, tile);
                    }
                    Tensor placed = Tensor.of(grid, 1, 1, height, width).mul(signs(new long[] {n, inputs.size(1), 1, 1}));
                    Tensor next = delta.add(placed);
                    delta.close();
                    delta = next;
                }
            }
            return scope.keep(inputs.add(Norm.L2.direction(delta).mul(eps).to(inputs.dtype())).clamp(0, 1));
        }
    }

    /**
     * Per sample: square 1 gets a new bump plus its old content, both at unit size per channel,
     * rescaled to carry the mass of squares 1 and 2 and what is left of the budget; square 2 is
     * emptied; the result is scaled back onto the sphere of radius {@code eps}.
     */
    private Tensor proposeL2(Tensor inputs, Tensor adversarial, double eps, double share) {
        int n = (int) inputs.size(0);
        int channels = (int) inputs.size(1);
        int height = (int) inputs.size(2);
        int width = (int) inputs.size(3);
        int[] hw = {2, 3};
        try (var scope = TensorScope.open()) {
            int side = (int) Math.max(3, Math.round(Math.sqrt(share * height * width)));
            side = Math.max(1, Math.min(side % 2 == 0 ? side + 1 : side, Math.min(height, width) - 1));
            Squares first = squares(n, height, width, side, true);
            Tensor window = first.mask();
            Tensor union = window.maximum(squares(n, height, width, side, false).mask());
            Tensor delta = adversarial.sub(inputs).to(DType.FLOAT32);
            Tensor imageNorm = delta.flatten(1, -1).norm(new int[] {1}, true).reshape(Norm.perSample(delta));
            Tensor windowNorm = delta.mul(window).norm(hw, true);
            Tensor unionNorm = delta.mul(union).norm(hw, true);
            Tensor fresh = first.bumps().mul(signs(new long[] {n, channels, 1, 1}))
                    .add(delta.mul(window).div(windowNorm.add(1e-10)));
            Tensor mass = imageNorm.square().neg().add(eps * eps).clampMin(0).div(channels).add(unionNorm.square()).sqrt();
            Tensor moved = fresh.div(fresh.norm(hw, true).clampMin(1e-12)).mul(mass);
            Tensor proposal = delta.mul(union.neg().add(1.0)).add(moved);
            return scope.keep(inputs.add(Norm.L2.direction(proposal).mul(eps).to(inputs.dtype())).clamp(0, 1));
        }
    }

    /** Random signs of the given shape. */
    private Tensor signs(long[] shape) {
        try (var scope = TensorScope.open()) {
            return scope.keep(Tensor.rand(generator, shape, DType.FLOAT32, Device.CPU)
                    .lt(0.5).to(DType.FLOAT32).mul(2.0).sub(1.0));
        }
    }

    /** One random square per sample: its mask {@code [n, 1, h, w]} and, when asked for, a bump placed in it. */
    private record Squares(Tensor mask, Tensor bumps) {
    }

    private Squares squares(int n, int height, int width, int side, boolean withBumps) {
        float[] mask = new float[n * height * width];
        float[] bumps = withBumps ? new float[mask.length] : null;
        float[][] shapes = withBumps ? new float[][] {bump(side, false), bump(side, true)} : null; // O(side^3) each
        for (int s = 0; s < n; s++) {
            int top = (int) generator.nextLong(height - side + 1);
            int left = (int) generator.nextLong(width - side + 1);
            float[] bump = withBumps ? shapes[generator.nextDouble() < 0.5 ? 1 : 0] : null;
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    int at = s * height * width + (top + y) * width + left + x;
                    mask[at] = 1;
                    if (withBumps) {
                        bumps[at] = bump[y * side + x];
                    }
                }
            }
        }
        return new Squares(Tensor.of(mask, n, 1, height, width), withBumps ? Tensor.of(bumps, n, 1, height, width) : null);
    }

    /**
     * The paper's l2 update shape, row-major {@code side x side}, unit l2 norm: a positive bump over
     * the top half and a negative one over the bottom half (left and right when {@code transposed}).
     */
    static float[] bump(int side, boolean transposed) {
        int upper = side / 2;
        double[] values = new double[side * side];
        addRectangleBump(values, side, 0, upper, 1);
        addRectangleBump(values, side, upper, side - upper, -1);
        double norm = 0;
        for (double v : values) {
            norm += v * v;
        }
        norm = Math.sqrt(norm);
        float[] bump = new float[values.length];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double v = norm == 0 ? 1.0 / side : values[y * side + x] / norm;
                bump[transposed ? x * side + y : y * side + x] = (float) v;
            }
        }
        return bump;
    }

    /**
     * Rows {@code [from, from + rows)} of a {@code side}-wide grid get nested rectangles around the
     * block's centre, ring {@code k} adding {@code 1 / (k + 1)^2}, normalised to unit norm, times {@code sign}.
     */
    private static void addRectangleBump(double[] values, int side, int from, int rows, int sign) {
        double[] block = new double[rows * side];
        int centreY = rows / 2;
        int centreX = side / 2;
        for (int ring = 0; ring < Math.max(rows / 2 + 1, side / 2 + 1); ring++) {
            for (int y = Math.max(0, centreY - ring); y < Math.min(rows, centreY + ring + 1); y++) {
                for (int x = Math.max(0, centreX - ring); x < Math.min(side, centreX + ring + 1); x++) {
                    block[y * side + x] += 1.0 / ((ring + 1.0) * (ring + 1.0));
                }
            }
        }
        double norm = 0;
        for (double v : block) {
            norm += v * v;
        }
        norm = Math.sqrt(norm);
        for (int i = 0; i < block.length; i++) {
            values[from * side + i] += norm == 0 ? 0 : sign * block[i] / norm;
        }
    }
}
