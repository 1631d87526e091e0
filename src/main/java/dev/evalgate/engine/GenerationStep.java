package dev.evalgate.engine;

/**
 * One engine step: the text it produced (complete UTF-8 characters only) and how many tokens that took.
 *
 * @param text decoded text of this step; may be empty
 * @param tokens number of tokens generated in this step (at least 1)
 * @param endOfTurn true when this step's token is an end-of-turn / end-of-sequence token; its text is then empty
 * @param stopTokenId the id of the end token when {@code endOfTurn}, else -1
 */
public record GenerationStep(String text, int tokens, boolean endOfTurn, int stopTokenId) {

    public static GenerationStep text(String text) {
        return new GenerationStep(text, 1, false, -1);
    }

    public static GenerationStep endOfTurn(int tokenId) {
        return new GenerationStep("", 1, true, tokenId);
    }
}
