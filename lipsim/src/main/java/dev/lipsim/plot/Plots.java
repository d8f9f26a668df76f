package dev.lipsim.plot;

import dev.lipsim.tensor.io.AtomicFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.Histogram;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;

/** The PNG charts every command writes (XChart, headless), each written atomically ({@link AtomicFiles}). */
public final class Plots {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 600;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {}

    /** The points of one line. */
    public record Series(double[] x, double[] y) {}

    /** Lines through each series' points, with markers. */
    public static void lines(Path png, String title, String xAxis, String yAxis, Map<String, Series> series) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xAxis).yAxisTitle(yAxis).build();
        chart.getStyler().setXAxisDecimalPattern("0.###");
        series.forEach((name, points) -> chart.addSeries(name, points.x(), points.y()));
        save(chart, png);
    }

    /** One bar per name, in the map's order. */
    public static void bars(Path png, String title, String yAxis, Map<String, Double> values) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).yAxisTitle(yAxis).build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setYAxisDecimalPattern("0.00");
        chart.addSeries(yAxis, List.copyOf(values.keySet()), List.copyOf(values.values()));
        save(chart, png);
    }

    /** A histogram of the finite {@code values} in {@code bins} equal bins. */
    public static void histogram(Path png, String title, String xAxis, double[] values, int bins) throws IOException {
        double[] finite = Arrays.stream(values).filter(Double::isFinite).toArray();
        if (finite.length == 0) {
            throw new IllegalArgumentException("a histogram needs finite values; got " + values.length + " values, none finite");
        }
        double min = Arrays.stream(finite).min().orElseThrow();
        double max = Arrays.stream(finite).max().orElseThrow();
        Histogram histogram = new Histogram(Arrays.stream(finite).boxed().toList(), bins, min, max > min ? max : min + 1);
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xAxis)
                .yAxisTitle("triplets").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisDecimalPattern("0.###");
        chart.getStyler().setXAxisLabelRotation(60);
        chart.addSeries("count", histogram.getxAxisData(), histogram.getyAxisData());
        save(chart, png);
    }

    private static void save(Chart<?, ?> chart, Path png) throws IOException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        AtomicFiles.write(png, temporary -> {
            try (OutputStream out = Files.newOutputStream(temporary)) {
                BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
            }
        });
    }
}
