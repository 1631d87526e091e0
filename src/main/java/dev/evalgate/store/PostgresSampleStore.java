package dev.evalgate.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;

import dev.evalgate.scoring.runs.GoldStore;
import dev.evalgate.scoring.runs.RequestSummary;
import dev.evalgate.scoring.runs.RunScoreboard;
import dev.evalgate.scoring.runs.SampleRecord;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;

/**
 * Samples in PostgreSQL, through Hibernate Reactive. {@link #accept} only queues: one writer thread sends what has
 * queued up as one multi-row {@code INSERT ... ON CONFLICT DO NOTHING} per transaction (a batch grows by itself while
 * the previous one is in flight). While the database is unreachable samples wait in a bounded buffer, then spill to a
 * journal in the data dir; when it is back the journal is replayed and deleted. Ids make every write idempotent, so
 * a replay or a retried batch whose commit was lost with the connection writes nothing twice. Reads come from the
 * database, so every replica reports the same run.
 */
public final class PostgresSampleStore implements SampleStore {

    private static final Logger LOG = Logger.getLogger(PostgresSampleStore.class);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final String[] COLUMNS = { "id", "run", "task", "doc_id", "request", "raw_outputs", "answer",
            "score", "ttft_ms", "total_ms", "model", "engine", "created_at", "written_by" };
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };

    private final ArrayBlockingQueue<SampleRecord> buffer;
    private final int batchSize;
    private final Path spoolDir;
    private final SampleJournal spill;
    private final SampleJournal rejected;
    private final GoldStore gold;
    private final String instance;
    private final List<SchemaMigrations.Migration> migrations = SchemaMigrations.bundled();
    private final Map<String, OffsetDateTime> goldVersions = new ConcurrentHashMap<>();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong spilled = new AtomicLong();
    private final AtomicLong rejectedCount = new AtomicLong();
    private final Thread writer;
    private volatile boolean schemaReady;
    private volatile boolean spoolPending = true;
    private volatile boolean stopping;
    private volatile String lastError;
    private volatile int inFlight;
    private final DirectoryLock lock;
    private final Duration flushTimeout;

    /**
     * @param spoolDir where samples spill while the database is away (replayed at start too)
     * @param instance names this gateway in {@code written_by}
     */
    public PostgresSampleStore(Path spoolDir, GoldStore gold, int bufferSize, int batchSize, String instance,
            Duration flushTimeout) throws IOException {
        this.flushTimeout = flushTimeout;
        this.lock = DirectoryLock.take(spoolDir);
        this.buffer = new ArrayBlockingQueue<>(bufferSize);
        this.batchSize = batchSize;
        this.spoolDir = spoolDir;
        this.spill = new SampleJournal(spoolDir.resolve("spill.jsonl"));
        this.rejected = new SampleJournal(spoolDir.resolve("rejected.jsonl"));
        this.gold = gold;
        this.instance = instance;
        this.writer = new Thread(this::writeLoop, "evalgate-store-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public void accept(SampleRecord sample) {
        if (!stopping && buffer.offer(sample)) {
            return;
        }
        try {
            spill.append(sample);
            spilled.incrementAndGet();
            spoolPending = true;
        } catch (UncheckedIOException e) {
            // the disk failed too: the last place left is the log, from which the sample can be recovered by hand
            LOG.errorf("%s; sample lost to the store: %s", e.getMessage(), json(sample));
        }
    }

    private void writeLoop() {
        List<SampleRecord> batch = new ArrayList<>(batchSize);
        Duration backoff = MIN_BACKOFF;
        while (!stopping) {
            try {
                if (!schemaReady) {
                    connect();
                }
                if (spoolPending) {
                    replaySpool();
                }
                if (batch.isEmpty()) {
                    SampleRecord first = buffer.poll(200, TimeUnit.MILLISECONDS);
                    if (first != null) {
                        batch.add(first);
                        buffer.drainTo(batch, batchSize - 1);
                    } else if (lastError != null) {
                        await(() -> Panache.withSession(() -> Panache.getSession()
                                .chain(s -> s.createNativeQuery("select 1").getSingleResult())), null);
                    }
                }
                if (!batch.isEmpty()) {
                    inFlight = batch.size();
                    write(batch);
                    batch.clear();
                    inFlight = 0;
                }
                if (lastError != null) {
                    LOG.infof("PostgreSQL is reachable again (%d samples spilled to the journal since start, all written)",
                            spilled.get());
                    lastError = null;
                }
                backoff = MIN_BACKOFF;
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                if (lastError == null) {
                    LOG.warnf("PostgreSQL unreachable (%s): samples wait in memory (up to %d), then in %s",
                            message(e), buffer.remainingCapacity() + buffer.size(), spoolDir);
                }
                lastError = message(e);
                if (sleep(backoff)) {
                    break;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        finish(batch);
    }

    /** At shutdown: one more try to write what is held while the database answers; the rest goes to the journal. */
    private void finish(List<SampleRecord> batch) {
        buffer.drainTo(batch);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int done = 0;
        if (lastError == null && schemaReady) {
            try {
                while (done < batch.size() && System.nanoTime() < deadline) {
                    List<SampleRecord> part = batch.subList(done, Math.min(batch.size(), done + batchSize));
                    write(part);
                    done += part.size();
                }
            } catch (RuntimeException e) {
                LOG.warnf("could not write at shutdown (%s)", message(e));
            }
        }
        for (SampleRecord s : batch.subList(done, batch.size())) {
            spill.append(s);
            spilled.incrementAndGet();
        }
        if (done < batch.size()) {
            LOG.infof("%d samples journaled in %s; written at the next start", batch.size() - done, spoolDir);
        }
        spill.close();
        rejected.close();
    }

    private boolean sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }

    /** Migrates the schema (all replicas may try at once: the migration takes a lock) and loads stored gold. */
    private void connect() {
        List<Integer> applied = await(() -> Panache.withTransaction(
                () -> Panache.getSession().chain(s -> SchemaMigrations.apply(s, migrations))), null);
        if (!applied.isEmpty()) {
            LOG.infof("PostgreSQL schema migrated to version %d", applied.get(applied.size() - 1));
        }
        schemaReady = true;
        try {
            syncGold();
        } catch (RuntimeException e) {
            // gold that does not load must not stop samples from being written; reads will say what is wrong
            LOG.errorf("could not load the gold sets kept in PostgreSQL: %s", message(e));
        }
    }

    /**
     * Writes every spilled sample, oldest file first; a file is deleted only once all of it is in the database. The
     * spill file is set aside for replay only when no earlier replay file is left, so an outage leaves few files.
     */
    private void replaySpool() {
        spoolPending = false;
        try {
            Files.createDirectories(spoolDir);
            for (List<Path> files = replayFiles(); !files.isEmpty() || spill.moveTo(nextReplayFile());
                    files = replayFiles()) {
                for (Path file : files) {
                    List<SampleRecord> samples = SampleJournal.read(file);
                    for (int i = 0; i < samples.size(); i += batchSize) {
                        write(samples.subList(i, Math.min(samples.size(), i + batchSize)));
                    }
                    Files.delete(file);
                    LOG.infof("replayed %d journaled samples from %s", samples.size(), file.getFileName());
                }
            }
        } catch (IOException e) {
            spoolPending = true;
            throw new UncheckedIOException("could not replay the journal in " + spoolDir, e);
        } catch (RuntimeException e) {
            spoolPending = true;
            throw e;
        }
    }

    private List<Path> replayFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(spoolDir, "replay-*.jsonl")) {
            dir.forEach(files::add);
        }
        files.sort(null);
        return files;
    }

    private Path nextReplayFile() {
        return spoolDir.resolve(String.format("replay-%015d.jsonl", System.currentTimeMillis()));
    }

    /**
     * Inserts a batch. When PostgreSQL refuses it (an error the server answered, not a lost connection), the samples
     * are tried one by one and any it refuses alone is set aside in {@code rejected.jsonl} with a log line, so that
     * one bad sample (a NUL byte in a client's document id, say) never holds back the others.
     */
    private void write(List<SampleRecord> batch) {
        try {
            insert(batch);
        } catch (RuntimeException e) {
            if (!refusedByServer(e)) {
                throw e;
            }
            for (SampleRecord sample : batch) {
                try {
                    insert(List.of(sample));
                } catch (RuntimeException one) {
                    if (!refusedByServer(one)) {
                        throw one;
                    }
                    rejected.append(sample);
                    rejectedCount.incrementAndGet();
                    LOG.errorf("PostgreSQL refused sample %s of run %s (%s); set aside in %s", sample.id(),
                            sample.run(), message(one), rejected.file());
                }
            }
        }
    }

    /**
     * Whether PostgreSQL refused the data itself: SQLSTATE class 22 (data exception), 23 (integrity constraint) or 54
     * (a program limit: a value too large for an index row, say). Anything else (a lost connection, a shutdown, a
     * missing table) is the database's state, not the sample's: the batch waits for it.
     */
    static boolean refusedByServer(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String state = t instanceof java.sql.SQLException sql ? sql.getSQLState()
                    : t instanceof io.vertx.pgclient.PgException pg ? pg.getSqlState() : null;
            if (state != null) {
                return state.startsWith("22") || state.startsWith("23") || state.startsWith("54");
            }
        }
        return false;
    }

    private void insert(List<SampleRecord> batch) {
        int inserted = await(() -> Panache.withTransaction(() -> Panache.getSession()
                .chain(s -> insertRuns(s, batch).chain(() -> insertSamples(s, batch)))), null);
        written.addAndGet(inserted);
        skipped.addAndGet(batch.size() - inserted);
    }

    /** Creates the batch's runs that do not exist yet, owned by the sender of their first sample here. */
    private static Uni<Integer> insertRuns(Mutiny.Session session, List<SampleRecord> batch) {
        Map<String, SampleRecord> first = new TreeMap<>();
        batch.forEach(s -> first.merge(s.run(), s, (a, b) -> a.createdAtMillis() <= b.createdAtMillis() ? a : b));
        StringBuilder sql = new StringBuilder("insert into eval_run (name, created_at, owner) values ");
        int p = 0;
        for (int i = 0; i < first.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("(?").append(++p).append(", ?").append(++p).append(", ?")
                    .append(++p).append(')');
        }
        Mutiny.Query<?> q = session.createNativeQuery(sql.append(" on conflict (name) do nothing").toString());
        p = 0;
        for (SampleRecord s : first.values()) {
            q.setParameter(++p, s.run());
            q.setParameter(++p, time(s.createdAtMillis()));
            q.setParameter(++p, s.owner() == null || s.owner().isEmpty() ? null : s.owner());
        }
        return q.executeUpdate();
    }

    private Uni<Integer> insertSamples(Mutiny.Session session, List<SampleRecord> batch) {
        StringBuilder sql = new StringBuilder("insert into eval_sample (").append(String.join(", ", COLUMNS))
                .append(") values ");
        int p = 0;
        for (int i = 0; i < batch.size(); i++) {
            sql.append(i == 0 ? "(" : ", (");
            for (int c = 0; c < COLUMNS.length; c++) {
                sql.append(c == 0 ? "?" : ", ?").append(++p);
            }
            sql.append(')');
        }
        Mutiny.MutationQuery q = session.createNativeQuery(sql.append(" on conflict (id) do nothing").toString());
        p = 0;
        for (SampleRecord s : batch) {
            Object[] values = { uuid(s.id()), s.run(), s.task(), s.docId(), json(s.request()), json(s.rawOutputs()),
                    json(s.answer()), s.score(), s.ttftMs(), s.totalMs(), s.model(), s.engine(),
                    time(s.createdAtMillis()), instance };
            for (Object v : values) {
                q.setParameter(++p, v);
            }
        }
        return q.executeUpdate();
    }

    @Override
    public SortedMap<String, Long> runs() {
        syncGold();
        List<Object[]> counts = await(() -> Panache.withSession(() -> Panache.getSession().chain(s -> s.createQuery(
                "select r.name, (select count(*) from SampleEntity s where s.run = r.name) from RunEntity r",
                Object[].class).getResultList())),
                "list the runs");
        SortedMap<String, Long> runs = new TreeMap<>();
        counts.forEach(c -> runs.put((String) c[0], ((Number) c[1]).longValue()));
        return runs;
    }

    @Override
    public Optional<Map<String, Collection<SampleRecord>>> run(String run) {
        syncGold();
        List<SampleEntity> rows = await(() -> Panache.withSession(
                () -> SampleEntity.<SampleEntity>find("run = ?1 order by createdAt, id", run).list()), "read the run");
        RunScoreboard board = new RunScoreboard();
        rows.forEach(r -> board.record(record(r)));
        return board.run(run);
    }

    @Override
    public Optional<String> owner(String run) {
        List<RunEntity> found = await(() -> Panache.withSession(
                () -> RunEntity.<RunEntity>find("name", run).list()), "read the run's owner");
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0).owner == null ? "" : found.get(0).owner);
    }

    @Override
    public void saveGold(String task, String fileName, String content) {
        if (!schemaReady) {
            connect();
        }
        // PostgreSQL keeps microseconds: the version kept here must compare equal to the one read back
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        await(() -> Panache.withTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery(
                "insert into gold_set (task, file_name, content, uploaded_at) values (?1, ?2, ?3, ?4) on conflict "
                        + "(task) do update set file_name = excluded.file_name, content = excluded.content, "
                        + "uploaded_at = excluded.uploaded_at")
                .setParameter(1, task).setParameter(2, fileName).setParameter(3, content).setParameter(4, now)
                .executeUpdate())), "keep the gold file");
        goldVersions.put(task, now);
    }

    /** Loads gold another replica uploaded (or uploaded before a restart), so that every replica scores alike. */
    private void syncGold() {
        List<Object[]> versions = await(() -> Panache.withSession(() -> Panache.getSession().chain(s -> s
                .createQuery("select task, uploadedAt from GoldSetEntity", Object[].class).getResultList())),
                "read the gold sets");
        for (Object[] v : versions) {
            String task = (String) v[0];
            OffsetDateTime at = (OffsetDateTime) v[1];
            if (at.equals(goldVersions.get(task))) {
                continue;
            }
            GoldSetEntity set = await(() -> Panache.withSession(() -> GoldSetEntity.<GoldSetEntity>findById(task)),
                    "read a gold set");
            gold.upload(set.task, set.fileName, set.content);
            goldVersions.put(task, at);
            LOG.infof("gold for %s loaded from PostgreSQL (uploaded %s)", task, at);
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("mode", "postgresql");
        s.put("database_reachable", schemaReady && lastError == null);
        s.put("schema_version", migrations.get(migrations.size() - 1).version());
        s.put("instance", instance);
        s.put("samples_waiting", buffer.size() + inFlight);
        s.put("samples_written", written.get());
        s.put("duplicates_skipped", skipped.get());
        s.put("samples_spilled", spilled.get());
        s.put("samples_rejected", rejectedCount.get());
        s.put("spool", spoolDir.toString());
        s.put("last_error", lastError);
        return s;
    }

    @Override
    public void close() {
        stopping = true;
        try {
            // within the shutdown budget: what the writer has not written by then is in the spill journal, which the
            // next start replays
            writer.join(flushTimeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.close();
        }
    }

    /** Runs a Hibernate Reactive unit of work on a Vert.x context and waits for it (writer or worker threads only). */
    private static <T> T await(Supplier<Uni<T>> work, String what) {
        try {
            return VertxContextSupport.subscribeAndAwait(() -> work.get().ifNoItem().after(READ_TIMEOUT).fail());
        } catch (Throwable e) {
            if (what == null) {
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }
            throw new StoreUnavailableException("PostgreSQL could not " + what + ": " + message(e), e);
        }
    }

    private static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return m == null ? root.getClass().getSimpleName() : m;
    }

    private static SampleRecord record(SampleEntity r) {
        try {
            return new SampleRecord(r.id.toString(), r.run, r.task, r.docId,
                    r.request == null ? null : SampleJournal.MAPPER.readValue(r.request, RequestSummary.class),
                    SampleJournal.MAPPER.readValue(r.rawOutputs, STRINGS),
                    r.answer == null ? null : SampleJournal.MAPPER.readTree(r.answer), r.score,
                    r.createdAt.toInstant().toEpochMilli(), r.ttftMs, r.totalMs, r.model, r.engine, null);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("sample " + r.id + " holds JSON that does not parse: " + e.getMessage(), e);
        }
    }

    private static String json(Object value) {
        if (value == null || value instanceof JsonNode n && n.isNull()) {
            return null;
        }
        try {
            return SampleJournal.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static OffsetDateTime time(long millis) {
        return Instant.ofEpochMilli(millis).atOffset(ZoneOffset.UTC);
    }

    /** Live samples carry random UUIDs; any other id is mapped to a name-based one, the same every time. */
    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.UTF_8));
        }
    }
}
