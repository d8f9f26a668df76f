package dev.lipsim.cli;

import dev.lipsim.bindings.Dispatch;
import dev.lipsim.bindings.LibTorch;
import dev.lipsim.bindings.LibTorchInfo;
import dev.lipsim.distributed.Mpi;
import dev.lipsim.distributed.Nccl;
import dev.lipsim.tensor.ConvolutionCheck;
import dev.lipsim.tensor.CpuConvolutions;
import java.io.PrintStream;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** {@code lipsim info}: which libtorch was loaded and what it can run on. */
final class InfoCommand implements Command {

    @Override
    public String name() {
        return "info";
    }

    @Override
    public String summary() {
        return "print the libtorch in use, its ABI version, CUDA availability, op call paths, the CPU convolution path and "
                + "threads";
    }

    @Override
    public Options options() {
        return new Options();
    }

    @Override
    public int run(CommandLine line, PrintStream out) throws Exception {
        LibTorchInfo info = LibTorch.load();
        Map<String, Object> libtorch = new LinkedHashMap<>();
        libtorch.put("origin", info.origin());
        libtorch.put("directory", info.directory().toString());
        libtorch.put("abiVersion", info.abiVersionString());
        libtorch.put("libraries", info.libraries().stream().map(p -> p.getFileName().toString()).toList());
        Map<String, Object> cuda = new LinkedHashMap<>();
        cuda.put("available", info.cudaAvailable());
        cuda.put("devices", info.cudaDeviceCount());
        cuda.put("tf32Convolutions", LibTorch.tf32Convolutions());
        if (info.cudaProblem() != null) {
            cuda.put("problem", info.cudaProblem());
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("libtorch", libtorch);
        report.put("cuda", cuda);
        Map<String, Object> mpi = new LinkedHashMap<>();
        mpi.put("library", Mpi.describeLibrary());
        mpi.put("launchedByMpi", Mpi.launched());
        report.put("mpi", mpi);
        report.put("nccl", Map.of("library", Nccl.describeLibrary()));
        Dispatch.Report dispatch = Dispatch.report();
        Map<String, Object> calls = new LinkedHashMap<>();
        calls.put("mode", dispatch.mode());
        calls.put("unboxedOps", dispatch.unboxedOps().size());
        calls.put("unavailable", dispatch.unavailable());
        calls.put("failedLayoutChecks", dispatch.failedLayoutChecks());
        report.put("opCalls", calls);
        report.put("cpuConvolutions", cpuConvolutions());
        report.put("threads", info.threads());
        report.put("java", Runtime.version().toString());
        Json.print(report, out);
        return 0;
    }

    /** The path CPU convolutions take and what the self-check behind it measured. */
    private static Map<String, Object> cpuConvolutions() {
        ConvolutionCheck check = CpuConvolutions.check();
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("path", CpuConvolutions.path().label());
        section.put("checkChose", check.path() == null ? "nothing: no path was correct" : check.path().label());
        section.put("checkMillis", Math.round(check.nanos() / 1e6));
        Map<String, Object> trials = new LinkedHashMap<>();
        for (ConvolutionCheck.Trial trial : check.trials()) {
            List<String> wrong = trial.probes().stream().filter(p -> !p.correct()).map(Object::toString).toList();
            trials.put(trial.path().label(), wrong.isEmpty() ? "correct (" + trial.probes().size() + " probes)" : wrong);
        }
        section.put("trials", trials);
        return section;
    }
}
