package dev.evalgate.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;

/**
 * The real PostgreSQL the store tests use: 127.0.0.1:5432, user postgres (trust auth, as {@code .ci/run} leaves it),
 * database {@value #NAME}, created here when missing. Queried directly, not through the gateway, so that tests see
 * what is really in the tables.
 */
public final class TestDatabase {

    public static final String NAME = "evalgate_test";
    public static final String HOST = "127.0.0.1";
    public static final int PORT = 5432;
    public static final String USER = "postgres";

    private static final Vertx VERTX = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));

    private TestDatabase() {
    }

    /** The gateway's settings for this database, going through {@code port} (a proxy) when it is not 5432. */
    public static java.util.Map<String, String> config(int port) {
        return java.util.Map.of("quarkus.datasource.reactive.url", "postgresql://" + HOST + ":" + port + "/" + NAME,
                "quarkus.datasource.username", USER);
    }

    /** Creates the test database when it does not exist; a clear message when PostgreSQL itself is not there. */
    public static void ensureExists() {
        try {
            if (rows("postgres", "select 1 from pg_database where datname = '" + NAME + "'").isEmpty()) {
                rows("postgres", "create database " + NAME);
            }
        } catch (RuntimeException e) {
            throw new IllegalStateException("the store tests need PostgreSQL on " + HOST + ":" + PORT + " with trust "
                    + "auth for user " + USER + " (.ci/run starts it): " + e.getMessage(), e);
        }
    }

    /** Drops every table: the next gateway start migrates an empty database. */
    public static void reset() {
        ensureExists();
        rows(NAME, "set client_min_messages = warning; drop schema public cascade; create schema public");
    }

    /** The rows of a query on the test database, each as its column values. */
    public static List<List<Object>> query(String sql) {
        return rows(NAME, sql);
    }

    /** The single number a query gives. */
    public static long count(String sql) {
        return ((Number) query(sql).get(0).get(0)).longValue();
    }

    private static List<List<Object>> rows(String database, String sql) {
        PgConnectOptions options = new PgConnectOptions().setHost(HOST).setPort(PORT).setUser(USER)
                .setDatabase(database);
        try {
            return PgConnection.connect(VERTX, options)
                    .compose(conn -> conn.query(sql).execute().eventually(v -> conn.close()))
                    .map(set -> {
                        List<List<Object>> out = new ArrayList<>();
                        for (Row row : set) {
                            List<Object> values = new ArrayList<>();
                            for (int i = 0; i < row.size(); i++) {
                                values.add(row.getValue(i));
                            }
                            out.add(values);
                        }
                        return out;
                    }).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
