package dev.lipsim.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lipsim.tensor.io.AvailableMemory;
import java.util.List;
import java.util.Locale;

/**
 * The shape of a LipSim backbone. Names follow the reference CLI: {@code depth} SLL
 * convolutions on {@code channels} channels with inner width {@code convInner}
 * ({@code --conv_size}), {@code linearDepth} SLL linear layers of {@code linearFeatures} inner
 * units ({@code --depth_linear}, {@code --n_features}), embeddings of the first
 * {@code embeddingDim} features, square RGB inputs of {@code imageSize}.
 */
public record LipSimConfig(int depth, int channels, int convInner, int linearDepth, int linearFeatures, int embeddingDim,
        int imageSize) {

    /** The reference's default inner width of the SLL convolutions. */
    public static final int DEFAULT_CONV_INNER = 5;
    /** Embedding size for the DreamSim ensemble teacher (768 DINO + 512 CLIP + 512 OpenCLIP). */
    public static final int DEFAULT_EMBEDDING_DIM = 1792;
    public static final int DEFAULT_IMAGE_SIZE = 224;
    /** The preset names, smallest first. */
    public static final List<String> PRESETS = List.of("small", "medium", "large", "xlarge");

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public LipSimConfig {
        requirePositive("depth", depth);
        requirePositive("channels", channels);
        requirePositive("convInner", convInner);
        requirePositive("linearDepth", linearDepth);
        requirePositive("linearFeatures", linearFeatures);
        requirePositive("embeddingDim", embeddingDim);
        requirePositive("imageSize", imageSize);
        if (channels < 3) {
            throw new IllegalArgumentException("channels must be at least 3 (the RGB input is padded up to them), got " + channels);
        }
        if (imageSize % 16 != 0) {
            throw new IllegalArgumentException("imageSize must be a multiple of 16 (two poolings by 4), got " + imageSize);
        }
        long flattened = (long) channels * (imageSize / 16) * (imageSize / 16);
        if (flattened > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(channels + " channels at " + imageSize + " pixels give " + flattened
                    + " features, more than a tensor dimension here can hold (" + Integer.MAX_VALUE + ")");
        }
        if (embeddingDim > flattened) {
            throw new IllegalArgumentException("embeddingDim " + embeddingDim + " exceeds the " + flattened
                    + " features of a " + imageSize + "-pixel input with " + channels + " channels");
        }
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    /** A preset of the reference ({@code small}, {@code medium}, {@code large}, {@code xlarge}) at its defaults. */
    public static LipSimConfig preset(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "small" -> of(20, 45, 7, 1024);
            case "medium" -> of(30, 60, 10, 2048);
            case "large" -> of(50, 90, 10, 2048);
            case "xlarge" -> of(70, 120, 15, 2048);
            default -> throw new IllegalArgumentException("unknown model name '" + name + "'; presets: " + PRESETS);
        };
    }

    private static LipSimConfig of(int depth, int channels, int linearDepth, int linearFeatures) {
        return new LipSimConfig(depth, channels, DEFAULT_CONV_INNER, linearDepth, linearFeatures, DEFAULT_EMBEDDING_DIM,
                DEFAULT_IMAGE_SIZE);
    }

    /** Parameters of the model: per SLL convolution kernel, bias and q; per SLL linear layer weight, bias and q. */
    public long parameterCount() {
        long conv = (long) convInner * channels * 9 + 2L * convInner;
        long linear = (long) linearFeatures * flattened() + 2L * linearFeatures;
        return depth * conv + linearDepth * linear;
    }

    /**
     * Refuses a configuration whose float32 parameters alone would not fit in the memory this
     * machine has available ({@code MemAvailable} in {@code /proc/meminfo}), before anything is
     * allocated: an absurd depth or width is an error, not an hour of swapping.
     */
    public void requireMemory() {
        long needed = 4 * parameterCount();
        long available = AvailableMemory.bytes().orElse(Long.MAX_VALUE);
        if (needed > available) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "this model needs %.1f GB for its parameters alone "
                    + "(%d); the machine has %.1f GB available", needed / 1e9, parameterCount(), available / 1e9));
        }
    }

    /** Features after the two poolings, flattened: {@code channels * (imageSize / 16)^2}. */
    public int flattened() {
        return channels * (imageSize / 16) * (imageSize / 16);
    }

    public LipSimConfig withDepth(int value) {
        return new LipSimConfig(value, channels, convInner, linearDepth, linearFeatures, embeddingDim, imageSize);
    }

    public LipSimConfig withChannels(int value) {
        return new LipSimConfig(depth, value, convInner, linearDepth, linearFeatures, embeddingDim, imageSize);
    }

    public LipSimConfig withConvInner(int value) {
        return new LipSimConfig(depth, channels, value, linearDepth, linearFeatures, embeddingDim, imageSize);
    }

    public LipSimConfig withLinearDepth(int value) {
        return new LipSimConfig(depth, channels, convInner, value, linearFeatures, embeddingDim, imageSize);
    }

    public LipSimConfig withLinearFeatures(int value) {
        return new LipSimConfig(depth, channels, convInner, linearDepth, value, embeddingDim, imageSize);
    }

    public LipSimConfig withEmbeddingDim(int value) {
        return new LipSimConfig(depth, channels, convInner, linearDepth, linearFeatures, value, imageSize);
    }

    public LipSimConfig withImageSize(int value) {
        return new LipSimConfig(depth, channels, convInner, linearDepth, linearFeatures, embeddingDim, value);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static LipSimConfig fromJson(String json) {
        try {
            return JSON.readValue(json, LipSimConfig.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a LipSim model configuration: " + e.getOriginalMessage(), e);
        }
    }
}
