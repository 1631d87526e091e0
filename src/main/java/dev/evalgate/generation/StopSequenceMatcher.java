package dev.evalgate.generation;

import java.util.List;

/** Cuts one streamed choice at its first stop string while holding back only text that could still start one. */
public final class StopSequenceMatcher {

    private final StopAutomaton automaton;
    private final String[] stops;
    private final boolean includeStopInOutput;

    /** Not-yet-emitted text; bounded by the longest stop, so edits on it are cheap. */
    private final StringBuilder pending = new StringBuilder();
    private int state;
    private String matchedStop;

    public StopSequenceMatcher(List<String> stops, boolean includeStopInOutput) {
        this(new StopAutomaton(stops), includeStopInOutput);
    }

    /** A matcher on an automaton compiled once for all choices of a request. */
    public StopSequenceMatcher(StopAutomaton automaton, boolean includeStopInOutput) {
        this.automaton = automaton;
        this.stops = automaton.stops;
        this.includeStopInOutput = includeStopInOutput;
    }

    /** Feeds newly decoded text; returns the part that is now safe to emit (possibly ""). After a stop matched, returns "" forever. */
    public String append(String text) {
        if (matchedStop != null || text.isEmpty()) {
            return "";
        }
        if (stops.length == 0) {
            return text;
        }
        int n = text.length();
        int s = state;
        for (int i = 0; i < n; i++) {
            s = automaton.step(s, text.charAt(i));
            int m = automaton.output[s];
            if (m >= 0) {
                // The first completed stop ends earliest; output[] already prefers the longest on a tie.
                matchedStop = stops[m];
                int end = pending.length() + i + 1;
                int cut = includeStopInOutput ? end : end - matchedStop.length();
                String result = prefix(text, cut);
                pending.setLength(0);
                pending.trimToSize();
                return result;
            }
        }
        state = s;

        int p = pending.length();
        int total = p + n;
        int emit = total - automaton.depth[s];
        if (emit > 0 && Character.isHighSurrogate(charAt(text, emit - 1))
                && (emit == total || Character.isLowSurrogate(charAt(text, emit)))) {
            // The low half may only arrive with the next piece; never hand out half a code point.
            emit--;
        }
        if (p == 0 && emit == n) {
            return text;
        }
        String result = prefix(text, emit);
        if (emit >= p) {
            pending.setLength(0);
            pending.append(text, emit - p, n);
        } else {
            pending.delete(0, emit);
            pending.append(text);
        }
        return result;
    }

    /** True once a stop string matched. */
    public boolean stopped() {
        return matchedStop != null;
    }

    /** The stop string that matched, or null. */
    public String matchedStop() {
        return matchedStop;
    }

    /** End of generation without a stop match: returns the held-back text (may be ""). */
    public String flush() {
        if (matchedStop != null || pending.length() == 0) {
            return "";
        }
        String rest = pending.toString();
        pending.setLength(0);
        state = 0;
        return rest;
    }

    private char charAt(String text, int i) {
        int p = pending.length();
        return i < p ? pending.charAt(i) : text.charAt(i - p);
    }

    /** First {@code len} chars of pending + text. */
    private String prefix(String text, int len) {
        int p = pending.length();
        if (len <= 0) {
            return "";
        }
        if (len <= p) {
            return pending.substring(0, len);
        }
        if (p == 0) {
            return text.substring(0, len);
        }
        return new StringBuilder(len).append(pending).append(text, 0, len - p).toString();
    }
}
