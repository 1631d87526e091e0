package dev.evalgate.scoring.runs;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What a sample's request asked for and how it ended, kept beside the sample so that a low score can be traced to
 * its cause (a length cut, a wrong temperature) without the gateway's logs.
 *
 * @param id the completion id the client received ({@code chatcmpl-...})
 * @param finishReasons one per choice: {@code stop} or {@code length}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RequestSummary(String id, int promptTokens, int completionTokens, int maxTokens, double temperature,
        List<String> finishReasons) {
}
