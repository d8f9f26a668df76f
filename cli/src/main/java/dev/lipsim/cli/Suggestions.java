package dev.lipsim.cli;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/** "Did you mean": the known name nearest to a mistyped one, by edit distance, when it is near enough. */
final class Suggestions {

    private Suggestions() {}

    /** The candidate within a third of the typed name's length (at least 2) of edits, the nearest first. */
    static Optional<String> nearest(String typed, Collection<String> candidates) {
        int allowed = Math.max(2, typed.length() / 3);
        return candidates.stream().filter(c -> distance(typed, c) <= allowed)
                .min(Comparator.comparingInt((String c) -> distance(typed, c)).thenComparing(c -> c));
    }

    /** Levenshtein distance (insertions, deletions, substitutions), with '_' and '-' the same. */
    static int distance(String a, String b) {
        String s = a.replace('_', '-');
        String t = b.replace('_', '-');
        int[] previous = new int[t.length() + 1];
        int[] current = new int[t.length() + 1];
        for (int j = 0; j <= t.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= s.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= t.length(); j++) {
                int substitution = previous[j - 1] + (s.charAt(i - 1) == t.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[t.length()];
    }
}
