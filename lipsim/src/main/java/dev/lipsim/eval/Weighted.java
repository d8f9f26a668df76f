package dev.lipsim.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;

/** Means over the parts of a dataset weighted by their sizes, as every "overall" score is. */
public final class Weighted {

    private Weighted() {}

    /** The sum of the parts' sizes. */
    public static <T> int size(List<T> parts, ToIntFunction<T> size) {
        return parts.stream().mapToInt(size).sum();
    }

    /** The mean of {@code value} over {@code parts}, each weighted by its {@code size}. */
    public static <T> double mean(List<T> parts, ToIntFunction<T> size, ToDoubleFunction<T> value) {
        return parts.stream().mapToDouble(p -> value.applyAsDouble(p) * size.applyAsInt(p)).sum() / size(parts, size);
    }

    /** {@link #mean} for each key of the first part's map (every part has the same keys, e.g. radii). */
    public static <T, K> Map<K, Double> means(List<T> parts, ToIntFunction<T> size, Function<T, Map<K, Double>> values) {
        Map<K, Double> means = new LinkedHashMap<>();
        for (K key : values.apply(parts.getFirst()).keySet()) {
            means.put(key, mean(parts, size, p -> values.apply(p).get(key)));
        }
        return means;
    }
}
