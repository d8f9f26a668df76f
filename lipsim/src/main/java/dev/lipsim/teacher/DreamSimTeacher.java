package dev.lipsim.teacher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lipsim.checkpoint.PthFile;
import dev.lipsim.nn.vit.VisionTransformer;
import dev.lipsim.nn.vit.VitConfig;
import dev.lipsim.tensor.Autograd;
import dev.lipsim.tensor.Device;
import dev.lipsim.tensor.Generator;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import dev.lipsim.tensor.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DreamSim's ensemble teacher, in Java: DINO ViT-B/16 (the class token leaving the last block,
 * before the final LayerNorm; 768), CLIP ViT-B/16 (QuickGELU) and OpenCLIP ViT-B/16 (GELU), each
 * the projected class token (512), every tower with its own input normalisation and DreamSim's
 * LoRA merged into its attention; concatenated (1,792) and normalised as the LipSim reference
 * does ({@link Teacher#normalise}). Weights come from the folder DreamSim's download fills:
 * {@value #DINO}, {@value #CLIP}, {@value #OPEN_CLIP} and {@value #LORA}/ (peft's
 * {@code adapter_config.json} and {@code adapter_model.safetensors} or {@code .bin}).
 */
public final class DreamSimTeacher implements Teacher {

    static final String DINO = "checkpoints/dino_vitbase16_pretrain.pth";
    static final String CLIP = "clip_vitb16_pretrain.pth.tar";
    static final String OPEN_CLIP = "open_clip_vitb16_pretrain.pth.tar";
    static final String LORA = "ensemble_lora";
    private static final double[] IMAGENET_MEAN = {0.485, 0.456, 0.406};
    private static final double[] IMAGENET_STD = {0.229, 0.224, 0.225};
    private static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    private static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};
    private static final Pattern LORA_KEY = Pattern.compile(
            "base_model\\.model\\.extractor_list\\.(\\d+)\\.model\\.(.+)\\.lora_([AB])(?:\\.default)?\\.weight");

    /** One tower: its transformer, input statistics, and which feature it gives. */
    private record Tower(VisionTransformer vit, double[] mean, double[] std, boolean lastBlockClassToken) {

        Tensor feature(Tensor images) {
            try (var scope = TensorScope.open()) {
                Tensor x = images.sub(Tensor.of(mean, 1, 3, 1, 1).to(images.dtype()))
                        .div(Tensor.of(std, 1, 3, 1, 1).to(images.dtype()));
                return scope.keep(lastBlockClassToken ? vit.lastBlock(x).select(1, 0) : vit.embedding(x));
            }
        }
    }

    private final List<Tower> towers;
    private final int dimension;

    private DreamSimTeacher(List<Tower> towers) {
        this.towers = towers;
        this.dimension = towers.stream().mapToInt(t -> t.lastBlockClassToken() ? t.vit().config().width()
                : t.vit().config().projection()).sum();
    }

    /** The ensemble from the folder DreamSim's download left (ViT-B/16 towers). */
    public static DreamSimTeacher load(Path folder) throws IOException {
        return load(folder, VitConfig.dinoB16(), VitConfig.clipB16(VitConfig.Activation.QUICK_GELU),
                VitConfig.clipB16(VitConfig.Activation.GELU));
    }

    /** The ensemble with towers of the given shapes (tests use small ones). */
    static DreamSimTeacher load(Path folder, VitConfig dino, VitConfig clip, VitConfig openClip) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (String name : List.of(DINO, CLIP, OPEN_CLIP, LORA + "/adapter_config.json")) {
            if (!Files.exists(folder.resolve(name))) {
                missing.add(folder.resolve(name));
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException("DreamSim folder " + folder + " lacks " + missing + " (what DreamSim's own download of the "
                    + "ensemble leaves on disk, DINO's backbone in torch hub's checkpoints/)");
        }
        List<Tower> towers = new ArrayList<>();
        try (var scope = TensorScope.open()) {
            List<Map<String, Tensor>> states = List.of(stateDict(folder.resolve(DINO), false),
                    stateDict(folder.resolve(CLIP), true), stateDict(folder.resolve(OPEN_CLIP), true));
            mergeLora(folder.resolve(LORA), states);
            List<VitConfig> configs = List.of(dino, clip, openClip);
            for (int k = 0; k < 3; k++) {
                var vit = new VisionTransformer(configs.get(k), new Generator(0));
                towers.add(new Tower(vit, k == 0 ? IMAGENET_MEAN : CLIP_MEAN, k == 0 ? IMAGENET_STD : CLIP_STD, k == 0));
                try {
                    vit.loadStateDict(states.get(k));
                } catch (IllegalArgumentException e) {
                    throw new IOException(folder.resolve(List.of(DINO, CLIP, OPEN_CLIP).get(k)) + ": " + e.getMessage(), e);
                }
                vit.eval();
                vit.requiresGrad(false);
            }
            return new DreamSimTeacher(List.copyOf(towers));
        } catch (IOException | RuntimeException e) {
            towers.forEach(t -> t.vit().close());
            throw e;
        }
    }

    /** The tensors of a torch-saved state dict, under {@code "state_dict"} if {@code wrapped}. */
    private static Map<String, Tensor> stateDict(Path file, boolean wrapped) throws IOException {
        Object root = PthFile.read(file);
        if (wrapped) {
            root = root instanceof Map<?, ?> map ? map.get("state_dict") : null;
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new IOException(file + " holds no state dict" + (wrapped ? " under 'state_dict'" : ""));
        }
        Map<String, Tensor> state = new LinkedHashMap<>();
        map.forEach((key, value) -> {
            if (value instanceof Tensor tensor) {
                state.put(String.valueOf(key), tensor);
            }
        });
        return state;
    }

    /** Merges peft's LoRA adapter into the towers' weights: {@code W + (lora_alpha / r) B A}. */
    private static void mergeLora(Path folder, List<Map<String, Tensor>> states) throws IOException {
        JsonNode config = new ObjectMapper().readTree(folder.resolve("adapter_config.json").toFile());
        double scaling = config.path("lora_alpha").asDouble() / config.path("r").asDouble();
        if (!Double.isFinite(scaling)) {
            throw new IOException(folder.resolve("adapter_config.json") + " has no usable r and lora_alpha");
        }
        Map<String, Tensor> adapter = adapterWeights(folder);
        Map<String, Tensor[]> pairs = new LinkedHashMap<>();
        for (var entry : adapter.entrySet()) {
            Matcher m = LORA_KEY.matcher(entry.getKey());
            if (!m.matches()) {
                continue;
            }
            String target = m.group(1) + ":" + m.group(2) + ".weight";
            pairs.computeIfAbsent(target, key -> new Tensor[2])[m.group(3).equals("A") ? 0 : 1] = entry.getValue();
        }
        if (pairs.isEmpty()) {
            throw new IOException(folder + ": no LoRA weights of DreamSim's extractors in the adapter");
        }
        for (var pair : pairs.entrySet()) {
            String[] where = pair.getKey().split(":", 2);
            int tower = Integer.parseInt(where[0]);
            Tensor weight = tower < states.size() ? states.get(tower).get(where[1]) : null;
            Tensor[] ab = pair.getValue();
            if (weight == null || ab[0] == null || ab[1] == null) {
                throw new IOException(folder + ": LoRA weights for " + where[1] + " of extractor " + tower
                        + " do not match the model (missing weight, A or B)");
            }
            states.get(tower).put(where[1], weight.add(ab[1].matmul(ab[0]), scaling));
        }
    }

    private static Map<String, Tensor> adapterWeights(Path folder) throws IOException {
        Path safetensors = folder.resolve("adapter_model.safetensors");
        if (Files.exists(safetensors)) {
            return SafeTensors.read(safetensors).tensors();
        }
        return stateDict(folder.resolve("adapter_model.bin"), false);
    }

    @Override
    public String name() {
        return "ensemble";
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public Tensor embed(List<View> views, Tensor images) {
        try (var noGrad = Autograd.noGrad(); var scope = TensorScope.open()) {
            List<Tensor> features = new ArrayList<>();
            for (Tower tower : towers) {
                features.add(tower.feature(images));
            }
            return scope.keep(Teacher.normalise(Tensor.cat(features, 1)).to(Device.CPU));
        }
    }

    @Override
    public void close() {
        towers.forEach(t -> t.vit().close());
    }
}
