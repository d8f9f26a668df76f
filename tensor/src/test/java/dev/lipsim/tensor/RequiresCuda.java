package dev.lipsim.tensor;

import dev.lipsim.bindings.LibTorch;
import dev.lipsim.bindings.LibTorchInfo;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a test that needs a CUDA device: it runs where the loaded libtorch has CUDA and sees a
 * device, and is skipped elsewhere with the reason (no CUDA in this libtorch, why, or no device).
 * Tagged {@code cuda}, so that {@code bin/gpu-check} can select exactly these tests.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("cuda")
@ExtendWith(RequiresCuda.Condition.class)
public @interface RequiresCuda {

    /** Enables the test only where CUDA can run it. */
    final class Condition implements ExecutionCondition {

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            LibTorchInfo info = LibTorch.load();
            if (!info.cudaAvailable()) {
                return ConditionEvaluationResult.disabled("no CUDA in the libtorch from " + info.origin()
                        + (info.cudaProblem() != null ? " (" + info.cudaProblem() + ")" : "")
                        + "; run with LIBTORCH pointing at a CUDA build (bin/gpu-check does)");
            }
            if (info.cudaDeviceCount() == 0) {
                return ConditionEvaluationResult.disabled("libtorch has CUDA but sees no device");
            }
            return ConditionEvaluationResult.enabled(info.cudaDeviceCount() + " CUDA device(s)");
        }
    }
}
