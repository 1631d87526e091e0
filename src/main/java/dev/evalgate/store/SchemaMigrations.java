package dev.evalgate.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.hibernate.reactive.mutiny.Mutiny;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Versioned schema migrations, Flyway-style: {@code db/migration/V<n>__<description>.sql}, applied in order, each
 * once, recorded with a checksum in {@code evalgate_schema_history}. All of it runs in one transaction under a
 * PostgreSQL advisory lock, so replicas starting together take turns and a failed migration leaves nothing behind.
 * A recorded migration whose script has since changed stops the gateway from writing: the schema is never dropped
 * and re-created. Runs on the reactive connection whenever the database becomes reachable, so the gateway can
 * start while it is down.
 */
final class SchemaMigrations {

    /** The bundled scripts, oldest first. */
    static final List<String> SCRIPTS = List.of("V1__runs_samples_gold.sql", "V2__run_owner.sql");

    /** The advisory lock key: "evalgate" in ASCII. */
    private static final long LOCK = 0x6576616c67617465L;
    private static final Pattern NAME = Pattern.compile("V(\\d+)__(\\w+)\\.sql");

    record Migration(int version, String description, String sql, String checksum) {
    }

    private SchemaMigrations() {
    }

    static List<Migration> bundled() {
        List<Migration> out = new ArrayList<>();
        for (String script : SCRIPTS) {
            Matcher m = NAME.matcher(script);
            if (!m.matches()) {
                throw new IllegalStateException("migration " + script + " is not named V<n>__<description>.sql");
            }
            String sql = resource("db/migration/" + script);
            out.add(new Migration(Integer.parseInt(m.group(1)), m.group(2).replace('_', ' '), sql, sha256(sql)));
        }
        return out;
    }

    /** Applies what is missing; returns the versions applied now (empty when the schema was up to date). */
    static Uni<List<Integer>> apply(Mutiny.Session session, List<Migration> migrations) {
        return session.createNativeQuery("select 1 from (select pg_advisory_xact_lock(" + LOCK + ")) l")
                .getSingleResult()
                .chain(() -> session.createNativeQuery("select count(*) from pg_tables where schemaname = "
                        + "current_schema() and tablename = 'evalgate_schema_history'", Long.class).getSingleResult())
                .chain(exists -> exists > 0 ? Uni.createFrom().item(0) : session.createNativeQuery(
                        "create table evalgate_schema_history (version int primary key, description text not null, "
                                + "checksum text not null, applied_at timestamptz not null default now())")
                        .executeUpdate())
                .chain(() -> session.createNativeQuery("select version, checksum from evalgate_schema_history",
                        Object[].class).getResultList())
                .chain(rows -> {
                    Map<Integer, String> applied = new TreeMap<>();
                    rows.forEach(r -> applied.put(((Number) r[0]).intValue(), (String) r[1]));
                    List<Migration> missing = new ArrayList<>();
                    for (Migration m : migrations) {
                        String checksum = applied.get(m.version());
                        if (checksum == null) {
                            missing.add(m);
                        } else if (!checksum.equals(m.checksum())) {
                            return Uni.createFrom().failure(new IllegalStateException("migration V" + m.version()
                                    + " was applied with another script (checksum " + checksum + ", bundled "
                                    + m.checksum() + "): migrations must never be edited once released"));
                        }
                    }
                    return Multi.createFrom().iterable(missing)
                            .onItem().transformToUniAndConcatenate(m -> run(session, m).replaceWith(m.version()))
                            .collect().asList();
                });
    }

    private static Uni<Void> run(Mutiny.Session session, Migration m) {
        return Multi.createFrom().iterable(statements(m.sql()))
                .onItem().transformToUniAndConcatenate(sql -> session.createNativeQuery(sql).executeUpdate())
                .collect().last()
                .chain(() -> session.createNativeQuery("insert into evalgate_schema_history (version, description, "
                        + "checksum) values (?1, ?2, ?3)").setParameter(1, m.version())
                        .setParameter(2, m.description()).setParameter(3, m.checksum()).executeUpdate())
                .replaceWithVoid();
    }

    /** A script's statements: split at a semicolon that ends a line; comment-only pieces dropped. */
    static List<String> statements(String sql) {
        List<String> out = new ArrayList<>();
        for (String piece : sql.replaceAll("(?m)--.*$", "").split(";[ \\t]*(\\r?\\n|$)")) {
            String code = piece.strip();
            if (!code.isEmpty()) {
                out.add(code);
            }
        }
        return out;
    }

    private static String resource(String path) {
        try (InputStream in = SchemaMigrations.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("migration script " + path + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
