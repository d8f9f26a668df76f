package dev.lipsim.benchmarks;

import dev.lipsim.attack.Apgd;
import dev.lipsim.attack.Norm;
import dev.lipsim.attack.TripletDecision;
import dev.lipsim.bindings.LibTorch;
import dev.lipsim.certify.Certification;
import dev.lipsim.data.ImageBatches;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.metric.LipSim;
import dev.lipsim.model.EmbeddingMap;
import dev.lipsim.model.LipSimConfig;
import dev.lipsim.model.LipSimModel;
import dev.lipsim.nn.lipschitz.QRescaling;
import dev.lipsim.nn.lipschitz.SllConv2d;
import dev.lipsim.nn.optim.Adam;
import dev.lipsim.nn.optim.Optimizer;
import dev.lipsim.nn.vit.VisionTransformer;
import dev.lipsim.nn.vit.VitConfig;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.CpuConvolutions;
import dev.lipsim.tensor.DType;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.MemoryFormat;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.teacher.Teacher;
import dev.lipsim.train.DistillationObjective;
import dev.lipsim.train.HingeObjective;
import dev.lipsim.train.Objective;
import dev.lipsim.train.TwoViews;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Java side of {@code ./bench compare} (PyTorch's is {@code benchmarks/pytorch/compare.py}):
 * {@code Compare WORKLOAD LAYOUT REPEATS} runs one workload once to warm up, then REPEATS times,
 * and prints one JSON line with the seconds of each repeat and the process's peak resident memory.
 *
 * <ul>
 *   <li>{@code forward}: LipSim 'small' on 32 random images at 224, without gradients (as {@code embed});
 *   <li>{@code sll-layer}: one SLL convolution (45 channels, inner 5) on 32 x 45 x 224 x 224,
 *       forward and backward into the input and the parameters;
 *   <li>{@code conv}: one plain 3x3 convolution, 45 to 45 channels, on 32 x 45 x 112 x 112,
 *       forward and backward into the input and the weight;
 *   <li>{@code finetune-step}: one hinge-loss fine-tuning step of LipSim 'small' on 4 triplets
 *       (12 images at 224) with Adam, through the training package's objective.
 *   <li>{@code distill-step}: one distillation step of LipSim 'small' on 8 images (two views each,
 *       16 at 224), mean of the two views' RMSE against fixed targets, Adam.
 *   <li>{@code certify}: certificates of 64 triplets (192 images at 224) with LipSim 'small': the
 *       backbone in batches of 16 triplets, then radii with the unit-embedding cap.
 *   <li>{@code apgd}: APGD-CE (l2, eps 36/255, 10 iterations, one restart) on the reference images
 *       of 4 triplets at 224 with LipSim 'small' and unit embeddings, the alternatives embedded once.
 *   <li>{@code ensemble-forward}: the DreamSim ensemble's three ViT-B/16 towers (DINO, CLIP with
 *       QuickGELU, OpenCLIP) on 32 images at 224, random weights, without gradients.
 * </ul>
 * LAYOUT ({@code nchw} or {@code channels-last}) is the layout of the input tensor.
 */
public final class Compare {

    private Compare() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3 && args.length != 4) {
            System.err.println("usage: Compare forward|sll-layer|conv|finetune-step|distill-step|ensemble-forward|certify|apgd"
                    + " nchw|channels-last REPEATS [cpu|cuda[:N]] (only forward and finetune-step run on CUDA)");
            System.exit(2);
        }
        Device device = args.length == 4 ? Device.parse(args[3]).requireAvailable() : Device.CPU;
        MemoryFormat layout = switch (args[1]) {
            case "nchw" -> MemoryFormat.CONTIGUOUS;
            case "channels-last" -> MemoryFormat.CHANNELS_LAST;
            default -> throw new IllegalArgumentException("unknown layout " + args[1]);
        };
        int repeats = Integer.parseInt(args[2]);
        Runnable workload;
        try (var setup = TensorScope.open()) {  // frees the temporaries of initialisation at once
            workload = workload(args[0], layout, device, new Generator(0));
        }
        workload.run();
        List<String> seconds = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            long start = System.nanoTime();
            workload.run();
            seconds.add(String.format(Locale.ROOT, "%.4f", (System.nanoTime() - start) / 1e9));
        }
        System.out.printf(Locale.ROOT, "{\"impl\": \"java (libtorch %s, %s)\", \"workload\": \"%s\", \"layout\": \"%s\", "
                        + "\"device\": \"%s\", \"threads\": %d, \"seconds\": [%s], \"peak_rss_bytes\": %d}%n",
                LibTorch.load().abiVersionString(), CpuConvolutions.path().label(), args[0], args[1], device, LibTorch.threads(), String.join(", ", seconds),
                peakResidentBytes());
    }

    private static Runnable workload(String name, MemoryFormat layout, Device device, Generator generator) {
        if (device.isCuda() && !name.equals("forward") && !name.equals("finetune-step")) {
            throw new IllegalArgumentException("only forward and finetune-step run on CUDA, not " + name);
        }
        return switch (name) {
            case "forward" -> forward(layout, device, generator);
            case "sll-layer" -> sllLayer(layout, generator);
            case "conv" -> convolution(layout, generator);
            case "finetune-step" -> finetuneStep(layout, device, generator);
            case "distill-step" -> distillStep(layout, generator);
            case "ensemble-forward" -> ensembleForward(layout, generator);
            case "certify" -> certify(layout, generator);
            case "apgd" -> apgd(layout, generator);
            default -> throw new IllegalArgumentException("unknown workload " + name);
        };
    }

    /** Random values in [0, 1) of {@code shape} in {@code layout}, kept for the whole run. */
    private static Tensor input(long[] shape, MemoryFormat layout, Generator generator) {
        return TensorScope.release(Tensor.rand(generator, shape, DType.FLOAT32, Device.CPU).contiguous(layout).clone());
    }

    private static Tensor images(int count, MemoryFormat layout, Generator generator) {
        return input(new long[] {count, 3, 224, 224}, layout, generator);
    }

    private static Runnable forward(MemoryFormat layout, Device device, Generator generator) {
        LipSimModel model = new LipSimModel(LipSimConfig.preset("small"), generator);
        model.eval();
        model.to(device);
        Tensor images = TensorScope.release(images(32, layout, generator).to(device));
        return () -> {
            try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
                model.forward(images).sum().item(); // the read-back waits for the device
            }
        };
    }

    private static Runnable sllLayer(MemoryFormat layout, Generator generator) {
        SllConv2d layer = new SllConv2d(45, 5, QRescaling.REFERENCE, generator);
        Tensor x = input(new long[] {32, 45, 224, 224}, layout, generator).requiresGrad(true);
        return () -> {
            try (var scope = TensorScope.open()) {
                layer.forward(x).sum().backward();
                layer.zeroGrad();
                x.clearGrad();
            }
        };
    }

    /** A plain {@code Tensor.conv2d}, forward and backward: what the CPU convolution path costs its callers. */
    private static Runnable convolution(MemoryFormat layout, Generator generator) {
        Tensor x = input(new long[] {32, 45, 112, 112}, layout, generator).requiresGrad(true);
        Tensor weight = TensorScope.release(Tensor.randn(generator, new long[] {45, 45, 3, 3}, DType.FLOAT32, Device.CPU)
                .mul(0.05)).requiresGrad(true);
        return () -> {
            try (var scope = TensorScope.open()) {
                x.conv2d(weight, null, 1, 1).sum().backward();
                weight.clearGrad();
                x.clearGrad();
            }
        };
    }

    /** One step as {@code lipsim finetune} takes it: the library's hinge objective, backward, Adam. */
    private static Runnable finetuneStep(MemoryFormat layout, Device device, Generator generator) {
        LipSimModel model = new LipSimModel(LipSimConfig.preset("small"), generator);
        model.to(device);
        Optimizer optimizer = Adam.adam(model.parameters(), 0.01, 0.5, 0.9, 1e-8, 0);
        Path none = Path.of("in-memory");
        double[] targets = {0.0, 1.0, 0.8, 0.3};
        List<TwoAfcSample> triplets = new ArrayList<>();
        for (int i = 0; i < targets.length; i++) {
            triplets.add(new TwoAfcSample(Integer.toString(i), none, none, none, targets[i]));
        }
        var batch = new ImageBatches.Batch<>(triplets, images(12, layout, generator), 3);
        return trainingStep(model, optimizer, new HingeObjective(model, EmbeddingMap.UNIT, 0.2, device), batch);
    }

    /** One distillation step as {@code lipsim train} takes it: 8 images, two views each, fixed targets, Adam. */
    private static Runnable distillStep(MemoryFormat layout, Generator generator) {
        LipSimModel model = new LipSimModel(LipSimConfig.preset("small"), generator);
        Optimizer optimizer = Adam.adam(model.parameters(), 0.01, 0.5, 0.9, 1e-8, 0);
        List<TwoViews> items = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            items.add(new TwoViews(Path.of("in-memory-" + i), "image-" + i, i));
        }
        Tensor targets = TensorScope.release(Tensor.randn(generator, new long[] {8, 1792}, DType.FLOAT32, Device.CPU)
                .div(Math.sqrt(1792)));
        Teacher fixed = new Teacher() {
            @Override
            public String name() {
                return "fixed";
            }

            @Override
            public int dimension() {
                return 1792;
            }

            @Override
            public Tensor embed(List<View> views, Tensor images) {
                return targets.clone();
            }
        };
        var batch = new ImageBatches.Batch<>(items, images(16, layout, generator), 2);
        return trainingStep(model, optimizer, new DistillationObjective(model, fixed, false, Device.CPU), batch);
    }

    /** One step of the training loop on a fixed batch: the objective's loss, backward, the update. */
    private static <I> Runnable trainingStep(LipSimModel model, Optimizer optimizer, Objective<I> objective,
            ImageBatches.Batch<I> batch) {
        model.train();
        return () -> {
            try (var scope = TensorScope.open()) {
                objective.loss(batch).backward();
                optimizer.step();
                optimizer.zeroGrad();
                model.parameters().getFirst().value().flatten(0, -1).narrow(0, 0, 1).item(); // waits for the device
            }
        };
    }

    private static Runnable certify(MemoryFormat layout, Generator generator) {
        LipSimModel model = new LipSimModel(LipSimConfig.preset("small"), generator);
        model.eval();
        Tensor images = images(192, layout, generator);
        Path none = Path.of("in-memory");
        List<TwoAfcSample> triplets = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            triplets.add(new TwoAfcSample(Integer.toString(i), none, none, none, i % 2));
        }
        return () -> {
            try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
                for (int batch = 0; batch < 4; batch++) {
                    try (var each = TensorScope.open()) {
                        Tensor features = model.forward(images.narrow(0, 48L * batch, 48));
                        Certification.certify(features, EmbeddingMap.UNIT, triplets);
                    }
                }
            }
        };
    }

    private static Runnable apgd(MemoryFormat layout, Generator generator) {
        LipSim metric = new LipSim(new LipSimModel(LipSimConfig.preset("small"), generator), EmbeddingMap.UNIT, Device.CPU);
        Tensor images = images(12, layout, generator);
        TripletDecision decision = new TripletDecision(metric, images.narrow(0, 4, 4), images.narrow(0, 8, 4));
        Tensor references = TensorScope.release(images.narrow(0, 0, 4).clone());
        Apgd attack = new Apgd(Norm.L2, 10, 1, generator);
        long[] labels = {0, 1, 0, 1};
        return () -> {
            try (var scope = TensorScope.open()) {
                attack.perturb(decision, references, labels, 36 / 255.0);
            }
        };
    }

    private static Runnable ensembleForward(MemoryFormat layout, Generator generator) {
        List<VisionTransformer> towers = List.of(new VisionTransformer(VitConfig.dinoB16(), generator),
                new VisionTransformer(VitConfig.clipB16(VitConfig.Activation.QUICK_GELU), generator),
                new VisionTransformer(VitConfig.clipB16(VitConfig.Activation.GELU), generator));
        towers.forEach(VisionTransformer::eval);
        Tensor images = images(32, layout, generator);
        return () -> {
            try (var scope = TensorScope.open(); var noGrad = Autograd.noGrad()) {
                towers.get(0).lastBlock(images).select(1, 0);
                towers.get(1).embedding(images);
                towers.get(2).embedding(images);
            }
        };
    }

    private static long peakResidentBytes() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).findFirst().orElse(-1);
    }
}
