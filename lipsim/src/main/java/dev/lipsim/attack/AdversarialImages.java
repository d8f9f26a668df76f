package dev.lipsim.attack;

import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.io.AtomicFiles;
import dev.lipsim.tensor.io.Images;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes attacked reference images as PNGs, {@code FOLDER/eps-<eps>/<triplet>.png}, and on
 * {@link #close} an index, {@code FOLDER/adversarial.csv}: triplet, eps, image file, original
 * reference, and whether the metric still decided as people did. PNGs hold 8 bits per channel, so
 * a written image may differ from the attacked tensor by up to 1/510 per pixel.
 */
public final class AdversarialImages implements Robustness.Sink, AutoCloseable {

    private final Path folder;
    private final List<String> rows = new ArrayList<>();

    public AdversarialImages(Path folder) throws IOException {
        this.folder = folder;
        Files.createDirectories(folder);
    }

    @Override
    public void accept(TwoAfcSample triplet, double eps, Tensor adversarial, boolean stillCorrect) throws IOException {
        Path file = fileOf(triplet, eps);
        Files.createDirectories(file.getParent());
        Images.writePng(file, adversarial);
        rows.add(String.join(",", csv(triplet.id()), Double.toString(eps), csv(folder.relativize(file).toString()),
                csv(triplet.reference().toString()), Boolean.toString(stillCorrect)));
    }

    /** The image written for {@code triplet} at {@code eps}. */
    public Path fileOf(TwoAfcSample triplet, double eps) {
        return folder.resolve("eps-" + label(eps)).resolve(triplet.id().replaceAll("[^A-Za-z0-9._-]", "_") + ".png");
    }

    @Override
    public void close() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("triplet,eps,image,reference,still_correct");
        lines.addAll(rows);
        AtomicFiles.write(folder.resolve("adversarial.csv"), temporary -> Files.write(temporary, lines));
    }

    /** Six significant digits, no exponent: 36/255 is {@code 0.141176}. */
    private static String label(double eps) {
        return new BigDecimal(eps).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    private static String csv(String field) {
        return field.contains(",") || field.contains("\"") ? "\"" + field.replace("\"", "\"\"") + "\"" : field;
    }
}
