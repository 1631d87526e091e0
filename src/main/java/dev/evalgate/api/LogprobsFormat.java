package dev.evalgate.api;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.evalgate.api.protocol.ChatLogprobs;
import dev.evalgate.api.protocol.CompletionResponse;
import dev.evalgate.engine.TokenLogprob;

/** Turns the engine's log-probabilities into the two shapes clients read: chat's and the legacy completions'. */
final class LogprobsFormat {

    private LogprobsFormat() {
    }

    /** Chat's {@code {"content": [...]}}, listing {@code top} most likely tokens per position; null for no tokens. */
    static ChatLogprobs chat(List<TokenLogprob> tokens, int top) {
        if (tokens == null) {
            return null;
        }
        List<ChatLogprobs.Token> content = new ArrayList<>(tokens.size());
        for (TokenLogprob t : tokens) {
            List<ChatLogprobs.Top> tops = new ArrayList<>(Math.min(top, t.top().size()));
            for (TokenLogprob.Candidate c : t.top().subList(0, Math.min(top, t.top().size()))) {
                tops.add(new ChatLogprobs.Top(c.token(), c.logprob(), bytes(c.token())));
            }
            content.add(new ChatLogprobs.Token(t.token(), t.logprob(), bytes(t.token()), tops));
        }
        return new ChatLogprobs(content);
    }

    private static List<Integer> bytes(String token) {
        byte[] b = token.getBytes(StandardCharsets.UTF_8);
        List<Integer> out = new ArrayList<>(b.length);
        for (byte x : b) {
            out.add(x & 0xff);
        }
        return out;
    }

    /**
     * The legacy {@code logprobs} object of one completions choice, built token by token: per position the token,
     * its log-probability, the token itself and the {@code top} most likely there, and where it starts in the text.
     */
    static final class Completion {
        private final int top;
        private final List<Integer> textOffset = new ArrayList<>();
        private final List<Double> tokenLogprobs = new ArrayList<>();
        private final List<String> tokens = new ArrayList<>();
        private final List<Map<String, Double>> topLogprobs = new ArrayList<>();
        /** Where the next token starts, in code points (Python's {@code len}), as vLLM counts. */
        private int offset;

        /** @param offset where the first token starts in the choice's text */
        Completion(int top, int offset) {
            this.top = top;
            this.offset = offset;
        }

        /** A position without log-probabilities: the first token of a prompt. */
        void addUnscored(String token) {
            append(token, null, null);
        }

        void add(TokenLogprob t) {
            Map<String, Double> dict = new LinkedHashMap<>();
            dict.put(t.token(), t.logprob());
            for (TokenLogprob.Candidate c : t.top().subList(0, Math.min(top, t.top().size()))) {
                dict.putIfAbsent(c.token(), c.logprob());
            }
            append(t.token(), t.logprob(), dict);
        }

        void addAll(List<TokenLogprob> ts) {
            if (ts != null) {
                ts.forEach(this::add);
            }
        }

        private void append(String token, Double logprob, Map<String, Double> dict) {
            textOffset.add(offset);
            offset += token.codePointCount(0, token.length());
            tokenLogprobs.add(logprob);
            tokens.add(token);
            topLogprobs.add(dict);
        }

        /** What was added since the last call (for a streamed chunk), or everything (for a whole answer). */
        CompletionResponse.Logprobs take() {
            CompletionResponse.Logprobs out = new CompletionResponse.Logprobs(List.copyOf(textOffset),
                    new ArrayList<>(tokenLogprobs), List.copyOf(tokens), new ArrayList<>(topLogprobs));
            textOffset.clear();
            tokenLogprobs.clear();
            tokens.clear();
            topLogprobs.clear();
            return out;
        }
    }
}
