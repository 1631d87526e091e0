package dev.evalgate.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

import org.jboss.logging.Logger;

import dev.evalgate.scoring.runs.GoldStore;
import dev.evalgate.scoring.runs.RunScoreboard;
import dev.evalgate.scoring.runs.SampleRecord;

/**
 * The embedded store, for a gateway without a database: samples are appended to {@code samples.jsonl} and held in
 * memory; at start the journal is read back, so a restarted gateway reports the same runs. Uploaded gold is kept as
 * files beside it. One gateway only: replicas need PostgreSQL.
 */
public final class JournalSampleStore implements SampleStore {

    private static final Logger LOG = Logger.getLogger(JournalSampleStore.class);

    private final SampleJournal journal;
    private final Path goldDir;
    private final RunScoreboard board = new RunScoreboard();
    private final long replayed;
    private final DirectoryLock lock;
    /** Samples the disk refused so far, oldest first. */
    private final Deque<SampleRecord> unwritten = new ArrayDeque<>();

    /** Opens (or starts) the journal in {@code dir}, replays it, and applies gold uploaded earlier to {@code gold}. */
    public JournalSampleStore(Path dir, GoldStore gold) throws IOException {
        this.lock = DirectoryLock.take(dir);
        this.journal = new SampleJournal(dir.resolve("samples.jsonl"));
        this.goldDir = dir.resolve("gold");
        List<SampleRecord> samples = SampleJournal.read(journal.file());
        samples.forEach(board::record);
        this.replayed = samples.size();
        if (Files.isDirectory(goldDir)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(goldDir, "*.{json,jsonl}")) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    gold.upload(name.substring(0, name.lastIndexOf('.')), name, Files.readString(file));
                }
            }
        }
        LOG.infof("no database configured: runs are kept in %s (%d samples read back)", journal.file(), replayed);
    }

    /**
     * Appends the sample to the journal. When the disk refuses (full, read-only), the sample waits in memory with the
     * others that could not be written, and every later sample tries them first, in order: freeing space loses none.
     */
    @Override
    public void accept(SampleRecord sample) {
        board.record(sample);
        synchronized (unwritten) {
            unwritten.add(sample);
            writeUnwritten();
        }
    }

    /** Writes the waiting samples in order, stopping at the first the disk refuses. Holds the lock on {@code unwritten}. */
    private void writeUnwritten() {
        while (!unwritten.isEmpty()) {
            SampleRecord next = unwritten.peekFirst();
            try {
                journal.append(next);
            } catch (UncheckedIOException e) {
                if (unwritten.size() == 1 || unwritten.size() % 1000 == 0) {
                    LOG.errorf("%s; %d samples wait in memory until it can be written", e.getMessage(),
                            unwritten.size());
                }
                return;
            }
            unwritten.removeFirst();
        }
    }

    @Override
    public SortedMap<String, Long> runs() {
        return board.runs();
    }

    @Override
    public Optional<Map<String, Collection<SampleRecord>>> run(String run) {
        return board.run(run);
    }

    @Override
    public Optional<String> owner(String run) {
        return board.owner(run);
    }

    @Override
    public void saveGold(String task, String fileName, String content) {
        try {
            Files.createDirectories(goldDir);
            String ext = fileName.endsWith(".jsonl") ? ".jsonl" : ".json";
            Path tmp = Files.createTempFile(goldDir, task, ".part");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.deleteIfExists(goldDir.resolve(task + (ext.equals(".json") ? ".jsonl" : ".json")));
            Files.move(tmp, goldDir.resolve(task + ext), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StoreUnavailableException("could not keep the gold file in " + goldDir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("mode", "journal");
        s.put("journal", journal.file().toString());
        s.put("samples_read_back", replayed);
        s.put("samples_appended", journal.appended());
        synchronized (unwritten) {
            s.put("samples_waiting_for_disk", unwritten.size());
        }
        return s;
    }

    @Override
    public void close() {
        synchronized (unwritten) {
            writeUnwritten();
            if (!unwritten.isEmpty()) {
                LOG.errorf("%d samples could not be written to %s before stopping (the disk refuses them)",
                        unwritten.size(), journal.file());
            }
        }
        journal.close();
        lock.close();
    }
}
