package dev.lipsim.bindings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Decides which libtorch to load, in this order:
 * <ol>
 *   <li>the folder named by the system property {@value #PROPERTY};
 *   <li>the folder named by the environment variable {@value #ENVIRONMENT} (as for tch-rs);
 *   <li>the libraries carried by the {@code org.bytedeco:pytorch} and {@code org.bytedeco:openblas}
 *       classifier jars on the class path, extracted once into the per-user cache.
 * </ol>
 * A user folder may be a libtorch distribution (libraries in its {@code lib/}) or a PyTorch
 * wheel's {@code torch/lib}; CUDA libraries found there are loaded too.
 */
final class LibraryLocator {

    static final String PROPERTY = "libtorch.path";
    static final String ENVIRONMENT = "LIBTORCH";
    static final String CACHE_PROPERTY = "lipsim.nativeCache";

    private static final List<String> USER_REQUIRED = List.of("libc10.so", "libtorch_cpu.so");
    private static final List<String> USER_CUDA = List.of("libc10_cuda.so", "libtorch_cuda.so");
    /** Maven natives in dependency order: each library's NEEDED entries are already loaded. */
    private static final List<String> MAVEN_RESOURCES = List.of(
            "org/bytedeco/openblas/%s/libquadmath.so.0",
            "org/bytedeco/openblas/%s/libgfortran.so.5",
            "org/bytedeco/openblas/%s/libopenblas.so.0",
            "org/bytedeco/pytorch/%s/libgomp.so.1",
            "org/bytedeco/pytorch/%s/libc10.so",
            "org/bytedeco/pytorch/%s/libtorch_cpu.so");

    private LibraryLocator() {}

    static LibraryLocation locate() {
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return userFolder(Path.of(property), "-D" + PROPERTY + "=" + property);
        }
        String environment = System.getenv(ENVIRONMENT);
        if (environment != null && !environment.isBlank()) {
            return userFolder(Path.of(environment), ENVIRONMENT + "=" + environment);
        }
        return fromClassPath();
    }

    static LibraryLocation userFolder(Path folder, String origin) {
        List<Path> candidates = List.of(folder, folder.resolve("lib"));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate.resolve("libtorch_cpu.so"))) {
                List<Path> required = new ArrayList<>();
                for (String name : USER_REQUIRED) {
                    Path library = candidate.resolve(name);
                    if (!Files.isRegularFile(library)) {
                        throw new NativeLoadException(origin + ": " + candidate + " has libtorch_cpu.so but no " + name);
                    }
                    required.add(library);
                }
                List<Path> cuda = USER_CUDA.stream().map(candidate::resolve).filter(Files::isRegularFile).toList();
                return new LibraryLocation(origin, candidate, List.copyOf(required), cuda);
            }
        }
        throw new NativeLoadException(origin + " does not hold libtorch: no libtorch_cpu.so in "
                + candidates.get(0) + " or " + candidates.get(1)
                + ". Point it at a libtorch folder (the official zip's root or lib/) or at a PyTorch wheel's torch/lib.");
    }

    private static LibraryLocation fromClassPath() {
        Properties natives = nativesProperties();
        String classifier = natives.getProperty("classifier");
        ClassLoader loader = LibraryLocator.class.getClassLoader();
        List<NativeCache.Resource> resources = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String pattern : MAVEN_RESOURCES) {
            String path = pattern.formatted(classifier);
            NativeCache.Resource resource = NativeCache.find(loader, path);
            if (resource == null) {
                missing.add(path);
            } else {
                resources.add(resource);
            }
        }
        if (!missing.isEmpty()) {
            throw new NativeLoadException("libtorch not found. Looked in: -D" + PROPERTY + " (unset), "
                    + ENVIRONMENT + " (unset), and the class path, which lacks " + String.join(", ", missing)
                    + ". Put " + natives.getProperty("libtorch.artifact") + " and "
                    + natives.getProperty("openblas.artifact") + " on the class path, or set "
                    + ENVIRONMENT + " to a libtorch folder.");
        }
        String version = natives.getProperty("libtorch.artifact") + "+" + natives.getProperty("openblas.artifact");
        Path folder = NativeCache.extract(cacheRoot(), version.replace("org.bytedeco:", ""), resources);
        List<Path> libraries = resources.stream().map(r -> folder.resolve(r.fileName())).toList();
        return new LibraryLocation("Maven Central " + natives.getProperty("libtorch.artifact"), folder, libraries,
                List.of());
    }

    private static Path cacheRoot() {
        String configured = System.getProperty(CACHE_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("lipsim").resolve("natives");
    }

    private static Properties nativesProperties() {
        try (InputStream in = LibraryLocator.class.getResourceAsStream("natives.properties")) {
            if (in == null) {
                throw new NativeLoadException("the bindings jar lacks dev/lipsim/bindings/natives.properties");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
