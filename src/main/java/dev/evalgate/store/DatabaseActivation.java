package dev.evalgate.store;

import jakarta.annotation.Priority;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;

/**
 * Turns Hibernate Reactive on exactly when a database is configured: {@code quarkus.hibernate-orm.active} defaults to
 * whether {@code quarkus.datasource.reactive.url} is set. Without it Quarkus would refuse to start a gateway that has
 * no database, which is the embedded default. An explicit setting wins.
 */
@Priority(Priorities.APPLICATION + 100)
public class DatabaseActivation implements ConfigSourceInterceptor {

    static final String ACTIVE = "quarkus.hibernate-orm.active";
    static final String URL = "quarkus.datasource.reactive.url";

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (value != null || !ACTIVE.equals(name)) {
            return value;
        }
        ConfigValue url = context.proceed(URL);
        boolean configured = url != null && url.getValue() != null && !url.getValue().isBlank();
        return ConfigValue.builder().withName(name).withValue(Boolean.toString(configured))
                .withConfigSourceName("evalgate: whether " + URL + " is set").build();
    }
}
