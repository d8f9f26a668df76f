package dev.lipsim.data;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The NIGHT dataset (DreamSim): {@code data.csv} plus the images it names, relative to the
 * root. Columns are read by name ({@code id, right_vote, votes, ref_path, left_path, right_path,
 * split, is_imagenet}; others are ignored); rows with fewer than 6 votes are dropped, as the
 * reference does; the target is {@code right_vote}. Splits: {@code train}, {@code val},
 * {@code test}, and {@code test_imagenet} / {@code test_no_imagenet} (test rows by
 * {@code is_imagenet}).
 */
public final class NightDataset {

    public static final List<String> SPLITS = List.of("train", "val", "test", "test_imagenet", "test_no_imagenet");
    static final int MIN_VOTES = 6;
    private static final List<String> REQUIRED = List.of("id", "right_vote", "votes", "ref_path", "left_path",
            "right_path", "split", "is_imagenet");

    private NightDataset() {}

    /** The samples of {@code split}, in file order. */
    public static List<TwoAfcSample> load(Path root, String split) throws IOException {
        if (!SPLITS.contains(split)) {
            throw new IllegalArgumentException("unknown NIGHT split '" + split + "'; splits: " + SPLITS);
        }
        if (!Files.isDirectory(root)) {
            throw new IOException("NIGHT root " + root + " is not a folder");
        }
        Path csv = root.resolve("data.csv");
        if (!Files.isRegularFile(csv)) {
            throw new IOException("NIGHT root " + root + " has no data.csv");
        }
        List<TwoAfcSample> samples = new ArrayList<>();
        CsvMapper mapper = new CsvMapper();
        try (MappingIterator<Map<String, String>> rows = mapper.readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(csv.toFile())) {
            int line = 1;
            boolean checkedColumns = false;
            while (rows.hasNext()) {
                line++;
                Map<String, String> row = rows.next();
                if (!checkedColumns) {
                    requireColumns(csv, row.keySet());
                    checkedColumns = true;
                }
                if (inSplit(row, split, csv, line) && number(row, "votes", csv, line) >= MIN_VOTES) {
                    samples.add(new TwoAfcSample(row.get("id"), root.resolve(row.get("ref_path")),
                            root.resolve(row.get("left_path")), root.resolve(row.get("right_path")),
                            number(row, "right_vote", csv, line)));
                }
            }
        } catch (RuntimeException e) {
            throw new IOException(csv + " is not a well-formed CSV file: " + e.getMessage(), e);
        }
        if (samples.isEmpty()) {
            throw new IOException(csv + " has no rows in split '" + split + "' with at least " + MIN_VOTES + " votes");
        }
        return samples;
    }

    private static void requireColumns(Path csv, Set<String> columns) throws IOException {
        List<String> missing = REQUIRED.stream().filter(c -> !columns.contains(c)).toList();
        if (!missing.isEmpty()) {
            throw new IOException(csv + " lacks the columns " + missing + "; it has " + columns);
        }
    }

    private static boolean inSplit(Map<String, String> row, String split, Path csv, int line) throws IOException {
        String rowSplit = row.get("split");
        return switch (split) {
            case "test_imagenet" -> rowSplit.equals("test") && flag(row.get("is_imagenet"), csv, line);
            case "test_no_imagenet" -> rowSplit.equals("test") && !flag(row.get("is_imagenet"), csv, line);
            default -> rowSplit.equals(split);
        };
    }

    private static double number(Map<String, String> row, String column, Path csv, int line) throws IOException {
        String value = row.get(column);
        try {
            return Double.parseDouble(value.strip());
        } catch (RuntimeException e) {
            throw new IOException(csv + " line " + line + ": column '" + column + "' is '" + value + "', not a number");
        }
    }

    private static boolean flag(String value, Path csv, int line) throws IOException {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true", "1", "1.0" -> true;
            case "false", "0", "0.0" -> false;
            default -> throw new IOException(csv + " line " + line + ": column 'is_imagenet' is '" + value + "', not a boolean");
        };
    }
}
