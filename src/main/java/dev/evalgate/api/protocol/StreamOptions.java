package dev.evalgate.api.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * {@code stream_options}: {@code include_usage} adds a usage chunk before {@code [DONE]}; vLLM's
 * {@code continuous_usage_stats} puts the usage so far in every chunk (completions only here).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record StreamOptions(Boolean includeUsage, Boolean continuousUsageStats) {

    public boolean continuousUsage() {
        return Boolean.TRUE.equals(continuousUsageStats);
    }
}
