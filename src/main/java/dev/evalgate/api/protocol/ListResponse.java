package dev.evalgate.api.protocol;

import java.util.List;

/** An OpenAI list: {@code {"object": "list", "data": [...]}}. */
public record ListResponse<T>(String object, List<T> data) {

    public static <T> ListResponse<T> of(List<T> data) {
        return new ListResponse<>("list", data);
    }
}
