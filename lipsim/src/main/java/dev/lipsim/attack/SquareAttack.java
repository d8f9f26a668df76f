package dev.lipsim.attack;

import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;

/**
 * The l-infinity Square attack (Andriushchenko et al. 2020): a random search that uses only the
 * decision's scores, no gradients, so it still works where gradients are masked. It starts from
 * vertical stripes of {@code +-eps}, then proposes, per sample, a random square in which every
 * channel is set to {@code +-eps}, and keeps the proposal when the margin (correct logit minus the
 * other) drops; the square's share of the image starts at {@code p} and halves at the paper's
 * fractions of the budget (10, 50, 200, 500, 1,000, 2,000, 4,000, 6,000, 8,000 of 10,000).
 */
public final class SquareAttack implements Attack {

    private static final int[] HALVINGS = {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000};

    private final int queries;
    private final double initialShare;
    private final Generator generator;

    /** {@code queries} proposals per sample; {@code initialShare} of the pixels in the first square (the paper: 0.05 to 0.8). */
    public SquareAttack(int queries, double initialShare, Generator generator) {
        if (queries < 1 || !(initialShare > 0 && initialShare <= 1)) {
            throw new IllegalArgumentException("need queries >= 1 and a share in (0, 1], got " + queries + ", " + initialShare);
        }
        this.queries = queries;
        this.initialShare = initialShare;
        this.generator = generator;
    }

    @Override
    public String name() {
        return "square-linf";
    }

    @Override
    public Norm norm() {
        return Norm.LINF;
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
        int n = (int) inputs.size(0);
        int channels = (int) inputs.size(1);
        int height = (int) inputs.size(2);
        int width = (int) inputs.size(3);
        try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
            Tensor onehot = Pgd.onehot(labels);
            Tensor stripes = signs(new long[] {n, channels, 1, width}).expand(n, channels, height, width).mul(eps)
                    .to(inputs.dtype());
            Tensor adversarial = inputs.add(stripes).clamp(0, 1);
            Tensor margin = margin(decision, adversarial, onehot);
            for (int i = 0; i < queries; i++) {
                try (var step = TensorScope.open()) {
                    Tensor active = margin.gt(0);
                    if (active.sum().item() == 0) {
                        break;
                    }
                    int side = (int) Math.max(1, Math.min(Math.round(Math.sqrt(share(i) * height * width)), Math.min(height,
                            width)));
                    Tensor window = windows(n, height, width, side).to(inputs.dtype());
                    Tensor values = inputs.add(signs(new long[] {n, channels, 1, 1}).mul(eps).to(inputs.dtype())).clamp(0, 1);
                    Tensor proposal = adversarial.add(values.sub(adversarial).mul(window));
                    Tensor proposed = margin(decision, proposal, onehot);
                    Tensor accept = proposed.lt(margin).logicalAnd(active);
                    Tensor mask = accept.reshape(Norm.perSample(inputs)).to(inputs.dtype());
                    Tensor nextAdversarial = step.keep(adversarial.add(proposal.sub(adversarial).mul(mask)));
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

    /** Correct logit minus the other, per sample: below 0 means the decision flipped. */
    private static Tensor margin(Decision decision, Tensor inputs, Tensor onehot) {
        try (var scope = TensorScope.open()) {
            Tensor logits = decision.logits(inputs);
            Tensor correct = logits.mul(onehot).sum(1, false);
            Tensor other = logits.mul(onehot.neg().add(1.0)).sum(1, false);
            return scope.keep(correct.sub(other));
        }
    }

    /** Random signs of the given shape. */
    private Tensor signs(long[] shape) {
        try (var scope = TensorScope.open()) {
            return scope.keep(Tensor.rand(generator, shape, DType.FLOAT32, Device.CPU)
                    .lt(0.5).to(DType.FLOAT32).mul(2.0).sub(1.0));
        }
    }

    /** One random {@code side x side} window per sample, as a mask {@code [n, 1, h, w]}. */
    private Tensor windows(int n, int height, int width, int side) {
        float[] mask = new float[n * height * width];
        for (int s = 0; s < n; s++) {
            int top = (int) generator.nextLong(height - side + 1);
            int left = (int) generator.nextLong(width - side + 1);
            for (int y = top; y < top + side; y++) {
                for (int x = left; x < left + side; x++) {
                    mask[s * height * width + y * width + x] = 1;
                }
            }
        }
        return Tensor.of(mask, n, 1, height, width);
    }
}
