package dev.lipsim.attack;

import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.util.List;

/**
 * Several attacks in turn, keeping per sample the first perturbation that flips the decision:
 * the AutoAttack idea. For a two-way decision the parts of AutoAttack that apply are APGD-CE and
 * Square (the targeted and DLR variants need more than two classes); the reference runs APGD-CE
 * alone and calls it AutoAttack.
 */
public final class WorstCase implements Attack {

    private final String name;
    private final List<Attack> attacks;

    public WorstCase(String name, List<Attack> attacks) {
        if (attacks.isEmpty() || attacks.stream().map(Attack::norm).distinct().count() != 1) {
            throw new IllegalArgumentException("need at least one attack, all in the same norm");
        }
        this.name = name;
        this.attacks = List.copyOf(attacks);
    }

    /** APGD-CE, then Square on what it could not flip: {@code aa-l2} or {@code aa-linf}. */
    public static WorstCase autoAttack(Norm norm, int iterations, int queries, Generator generator) {
        return new WorstCase(norm == Norm.L2 ? "aa-l2" : "aa-linf", List.of(new Apgd(norm, iterations, 1, generator),
                new SquareAttack(norm, queries, 0.8, generator)));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Norm norm() {
        return attacks.getFirst().norm();
    }

    @Override
    public Tensor perturb(Decision decision, Tensor inputs, long[] labels, double eps) {
        try (var scope = TensorScope.open()) {
            Tensor target = Tensor.of(labels, labels.length);
            Tensor result = null;
            Tensor found = null;
            for (Attack attack : attacks) {
                Tensor attempt = attack.perturb(decision, inputs, labels, eps);
                Tensor flipped;
                try (var noGrad = Autograd.noGrad()) {
                    flipped = decision.logits(attempt).argmax(1, false).ne(target);
                }
                if (result == null) {
                    result = attempt;
                    found = flipped;
                    continue;
                }
                Tensor take = flipped.logicalAnd(found.logicalNot());
                result = Norm.choose(take, attempt, result);
                found = found.logicalOr(flipped);
            }
            return scope.keep(result);
        }
    }
}
