package dev.lipsim.tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Prints tensors the way PyTorch does: nested brackets, a common number format, and only the
 * first and last three entries of each long dimension when the tensor has over 1000 elements.
 */
final class TensorFormatter {

    private static final int THRESHOLD = 1000;
    private static final int EDGE = 3;
    private static final String PREFIX = "tensor(";

    private TensorFormatter() {}

    static String format(Tensor tensor) {
        long[] shape = tensor.shape();
        DType dtype = tensor.dtype();
        boolean summarize = Shapes.numel(shape) > THRESHOLD;
        String[] cells;
        long[] shownShape;
        try (var scope = TensorScope.open()) {
            Tensor shown = summarize ? edges(tensor.detach(), shape) : tensor.detach();
            shownShape = shown.shape();
            cells = cells(shown, dtype);
        }
        StringBuilder out = new StringBuilder(PREFIX);
        if (shape.length == 0) {
            out.append(cells[0]);
        } else {
            render(out, cells, shownShape, shape, summarize, 0, new int[] {0});
        }
        out.append(", shape=").append(Arrays.toString(shape)).append(", dtype=").append(dtype)
                .append(", device=").append(tensor.device());
        if (tensor.requiresGrad()) {
            out.append(", requires_grad=True");
        }
        return out.append(')').toString();
    }

    /** Keeps the first and last {@link #EDGE} entries of every dimension longer than twice that. */
    private static Tensor edges(Tensor tensor, long[] shape) {
        Tensor shown = tensor;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] > 2 * EDGE) {
                shown = Tensor.cat(List.of(shown.narrow(d, 0, EDGE), shown.narrow(d, shape[d] - EDGE, EDGE)), d);
            }
        }
        return shown;
    }

    private static String[] cells(Tensor shown, DType dtype) {
        String[] cells;
        if (dtype == DType.BOOL) {
            long[] values = shown.toLongArray();
            cells = new String[values.length];
            for (int i = 0; i < values.length; i++) {
                cells[i] = values[i] != 0 ? "True" : "False";
            }
        } else if (!dtype.isFloatingPoint()) {
            long[] values = shown.toLongArray();
            cells = new String[values.length];
            for (int i = 0; i < values.length; i++) {
                cells[i] = Long.toString(values[i]);
            }
        } else {
            cells = floatCells(shown.toDoubleArray());
        }
        int width = 0;
        for (String cell : cells) {
            width = Math.max(width, cell.length());
        }
        for (int i = 0; i < cells.length; i++) {
            cells[i] = " ".repeat(width - cells[i].length()) + cells[i];
        }
        return cells;
    }

    private static String[] floatCells(double[] values) {
        boolean allIntegral = true;
        double maxAbs = 0;
        double minAbs = Double.POSITIVE_INFINITY;
        for (double value : values) {
            if (Double.isFinite(value)) {
                allIntegral &= value == Math.rint(value);
                maxAbs = Math.max(maxAbs, Math.abs(value));
                if (value != 0) {
                    minAbs = Math.min(minAbs, Math.abs(value));
                }
            }
        }
        boolean scientific = maxAbs >= 1e8 || (!allIntegral && minAbs < 1e-4) || (maxAbs / minAbs > 1000 && !allIntegral);
        String[] cells = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            double value = values[i];
            if (Double.isNaN(value)) {
                cells[i] = "nan";
            } else if (Double.isInfinite(value)) {
                cells[i] = value > 0 ? "inf" : "-inf";
            } else if (scientific) {
                cells[i] = String.format(Locale.ROOT, "%.4e", value);
            } else if (allIntegral) {
                cells[i] = String.format(Locale.ROOT, "%.0f.", value);
            } else {
                cells[i] = String.format(Locale.ROOT, "%.4f", value);
            }
        }
        return cells;
    }

    private static void render(StringBuilder out, String[] cells, long[] shown, long[] full, boolean summarize, int dim,
            int[] next) {
        out.append('[');
        int count = (int) shown[dim];
        boolean cut = summarize && full[dim] > 2 * EDGE;
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                if (dim == shown.length - 1) {
                    out.append(", ");
                } else {
                    out.append(',').append("\n".repeat(shown.length - dim - 1))
                            .append(" ".repeat(PREFIX.length() + dim + 1));
                }
            }
            if (cut && i == EDGE) {
                out.append(dim == shown.length - 1 ? "..., " : "...,\n" + " ".repeat(PREFIX.length() + dim + 1));
            }
            if (dim == shown.length - 1) {
                out.append(cells[next[0]++]);
            } else {
                render(out, cells, shown, full, summarize, dim + 1, next);
            }
        }
        out.append(']');
    }
}
