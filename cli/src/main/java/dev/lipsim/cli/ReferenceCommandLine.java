package dev.lipsim.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * Command lines written for the reference ({@code python -m lipsim.main --mode M ...}) work
 * here: flags may be spelled {@code snake_case} or {@code kebab-case}, {@code --mode} picks the
 * subcommand, and flags that only schedule a Slurm cluster are accepted and reported as having
 * no effect.
 */
final class ReferenceCommandLine {

    /** Cluster flags of the reference, with what they did there. */
    private static final Map<String, String> CLUSTER_FLAGS = new LinkedHashMap<>();

    static {
        CLUSTER_FLAGS.put("account", "Slurm account");
        CLUSTER_FLAGS.put("ngpus", "GPUs per Slurm node");
        CLUSTER_FLAGS.put("nnodes", "Slurm nodes");
        CLUSTER_FLAGS.put("timeout", "Slurm time limit");
        CLUSTER_FLAGS.put("partition", "Slurm partition");
        CLUSTER_FLAGS.put("qos", "Slurm quality of service");
        CLUSTER_FLAGS.put("constraint", "Slurm GPU constraint");
        CLUSTER_FLAGS.put("local", "run without Slurm");
        CLUSTER_FLAGS.put("debug", "debug folder naming");
        CLUSTER_FLAGS.put("logging-verbosity", "Python log level");
    }

    private ReferenceCommandLine() {}

    /** {@code --some_flag[=v]} becomes {@code --some-flag[=v]}; values and other arguments are left alone. */
    static String[] kebabCase(String[] args) {
        String[] out = args.clone();
        for (int i = 0; i < out.length; i++) {
            String arg = out[i];
            if (arg.startsWith("--")) {
                int equals = arg.indexOf('=');
                String name = equals < 0 ? arg : arg.substring(0, equals);
                out[i] = name.replace('_', '-') + (equals < 0 ? "" : arg.substring(equals));
            }
        }
        return out;
    }

    /**
     * A reference command line ({@code --mode M} among flags, no subcommand) as ours: the
     * subcommand first, then the other arguments. The reference's default mode is {@code train}
     * (distillation).
     */
    static String[] fromMode(String[] args) throws UsageException {
        List<String> rest = new ArrayList<>();
        String mode = "train";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--mode") && i + 1 < args.length) {
                mode = args[++i];
            } else if (args[i].startsWith("--mode=")) {
                mode = args[i].substring("--mode=".length());
            } else {
                rest.add(args[i]);
            }
        }
        String command = switch (mode) {
            case "finetune" -> "finetune";
            case "eval" -> "eval";
            case "lpips" -> {
                if (!rest.contains("--dataset")) {
                    rest.addAll(List.of("--dataset", "bapps"));
                }
                yield "eval";
            }
            case "train" -> "train";
            case "certified" -> "certify";
            case "attack" -> "attack";
            case "knn" -> "knn";
            default -> throw new UsageException("--mode " + mode + " is not supported; --mode train, finetune, eval, lpips,"
                    + " certified, attack and knn are");
        };
        rest.addFirst(command);
        return rest.toArray(String[]::new);
    }

    /** Adds the cluster flags, which are accepted and ignored. */
    static void addClusterFlags(Options options) {
        for (var flag : CLUSTER_FLAGS.entrySet()) {
            boolean takesValue = !flag.getKey().equals("local") && !flag.getKey().equals("debug");
            options.addOption(Option.builder().longOpt(flag.getKey()).hasArg(takesValue).argName("VALUE")
                    .desc("reference's " + flag.getValue() + "; accepted, no effect here").build());
        }
    }

    /** The cluster flags given, each with why it has no effect. */
    static Map<String, String> ignoredClusterFlags(CommandLine line) {
        Map<String, String> ignored = new LinkedHashMap<>();
        CLUSTER_FLAGS.forEach((flag, meaning) -> {
            if (line.hasOption(flag)) {
                ignored.put("--" + flag, meaning + " for the reference's job launcher; no effect here (this process runs "
                        + "the work itself)");
            }
        });
        return ignored;
    }
}
