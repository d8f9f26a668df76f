package dev.lipsim.tensor;

/**
 * A seeded source of random numbers for tensor creation, computed in Java (SplitMix64) so that
 * a seed gives the same values with every libtorch build and on every device. libtorch's own
 * generator cannot be seeded through its C ABI; {@link Tensor#rand}, {@link Tensor#randn} and
 * {@link Tensor#randint} therefore draw from here and are reproducible.
 *
 * <p>Thread-safe. The default generator starts from a fixed seed, so a program that never
 * seeds is still reproducible; {@link #manualSeed} reseeds it.
 */
public final class Generator {

    private static final long DEFAULT_SEED = 67280421310721L;
    private static final Generator DEFAULT = new Generator(DEFAULT_SEED);

    private long state;
    private double spareNormal = Double.NaN;

    public Generator(long seed) {
        this.state = seed;
    }

    /** The generator used when none is given. */
    public static Generator defaultGenerator() {
        return DEFAULT;
    }

    /** Reseeds the default generator, like {@code torch.manual_seed}. */
    public static void manualSeed(long seed) {
        DEFAULT.reseed(seed);
    }

    public synchronized void reseed(long seed) {
        state = seed;
        spareNormal = Double.NaN;
    }

    /** The next 64 random bits. */
    public synchronized long nextLong() {
        return mix();
    }

    /** Uniform in [0, 1). */
    public synchronized double nextDouble() {
        return uniformDouble();
    }

    /** {@code count} values uniform in [0, 1). */
    public synchronized double[] uniform(long count) {
        double[] values = new double[checkedCount(count)];
        for (int i = 0; i < values.length; i++) {
            values[i] = uniformDouble();
        }
        return values;
    }

    /** {@code count} standard normal values (Box-Muller). */
    public synchronized double[] normal(long count) {
        double[] values = new double[checkedCount(count)];
        for (int i = 0; i < values.length; i++) {
            values[i] = normalDouble();
        }
        return values;
    }

    /** {@code count} integers uniform in [low, high). */
    public synchronized long[] integers(long count, long low, long high) {
        if (high <= low) {
            throw new IllegalArgumentException("randint needs low < high, got [" + low + ", " + high + ")");
        }
        long range = high - low;
        long[] values = new long[checkedCount(count)];
        for (int i = 0; i < values.length; i++) {
            values[i] = low + boundedLong(range);
        }
        return values;
    }

    /** Uniform in [0, bound), without modulo bias. */
    public synchronized long nextLong(long bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        return boundedLong(bound);
    }

    private long boundedLong(long bound) {
        long limit = Long.MAX_VALUE - Long.MAX_VALUE % bound;
        while (true) {
            long bits = mix() >>> 1;
            if (bits < limit) {
                return bits % bound;
            }
        }
    }

    private double uniformDouble() {
        return (mix() >>> 11) * 0x1.0p-53;
    }

    private double normalDouble() {
        if (!Double.isNaN(spareNormal)) {
            double value = spareNormal;
            spareNormal = Double.NaN;
            return value;
        }
        double u1 = 1.0 - uniformDouble(); // in (0, 1], so the log is finite
        double u2 = uniformDouble();
        double radius = Math.sqrt(-2 * Math.log(u1));
        spareNormal = radius * Math.sin(2 * Math.PI * u2);
        return radius * Math.cos(2 * Math.PI * u2);
    }

    /** SplitMix64 (Steele, Lea, Flood 2014). */
    private long mix() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static int checkedCount(long count) {
        if (count < 0 || count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cannot draw " + count + " random values at once");
        }
        return (int) count;
    }
}
