package dev.lipsim.cli;

import dev.lipsim.bindings.Dispatch;
import dev.lipsim.bindings.LibTorch;
import dev.lipsim.bindings.LibTorchInfo;
import dev.lipsim.distributed.Mpi;
import dev.lipsim.distributed.Nccl;
import java.io.PrintStream;
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
        return "print the libtorch in use, its ABI version, CUDA availability, op call paths and threads";
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
        report.put("threads", info.threads());
        report.put("java", Runtime.version().toString());
        Json.print(report, out);
        return 0;
    }
}
