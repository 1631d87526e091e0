package dev.evalgate.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;

import dev.evalgate.scoring.runs.SampleRecord;

/**
 * An append-only file of samples, one JSON object per line. Every append reaches the operating system before it
 * returns, so a killed gateway loses nothing it had handed over; a line torn by a crash is skipped on reading.
 */
final class SampleJournal {

    private static final Logger LOG = Logger.getLogger(SampleJournal.class);
    static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path file;
    private Writer out;
    private long appended;

    SampleJournal(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    synchronized void append(SampleRecord sample) {
        try {
            if (out == null) {
                Files.createDirectories(file.getParent());
                boolean torn = endsMidLine();
                out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                if (torn) {
                    out.write('\n'); // end a line a crash cut short, so that it does not swallow the next sample
                }
            }
            out.write(MAPPER.writeValueAsString(sample));
            out.write('\n');
            out.flush();
            appended++;
        } catch (IOException e) {
            // part of the line may have reached the file: drop the writer, so that the next append reopens the file
            // and ends that line first instead of writing after it
            try {
                closeWriter();
            } catch (IOException ignored) {
                out = null;
            }
            throw new UncheckedIOException("could not append to the journal " + file, e);
        }
    }

    private boolean endsMidLine() throws IOException {
        if (!Files.exists(file) || Files.size(file) == 0) {
            return false;
        }
        try (java.nio.channels.SeekableByteChannel ch = Files.newByteChannel(file)) {
            java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
            ch.position(ch.size() - 1).read(last);
            return last.get(0) != '\n';
        }
    }

    /** Samples appended by this process. */
    synchronized long appended() {
        return appended;
    }

    /**
     * Closes the file and renames it to {@code target} (appends then start a new file); false when it holds nothing.
     */
    synchronized boolean moveTo(Path target) throws IOException {
        closeWriter();
        if (!Files.exists(file) || Files.size(file) == 0) {
            return false;
        }
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    synchronized void close() {
        try {
            closeWriter();
        } catch (IOException e) {
            LOG.warnf("could not close the journal %s: %s", file, e.getMessage());
        }
    }

    private void closeWriter() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }

    /** Every sample in a journal file, in order; a line that does not parse (a torn last write) is skipped. */
    static List<SampleRecord> read(Path file) throws IOException {
        List<SampleRecord> samples = new ArrayList<>();
        if (!Files.exists(file)) {
            return samples;
        }
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int n = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    samples.add(parse(line));
                } catch (JsonProcessingException e) {
                    LOG.warnf("%s:%d is not a whole sample (a write cut short?); skipped", file, n);
                }
            }
        }
        return samples;
    }

    static SampleRecord parse(String line) throws JsonProcessingException {
        SampleRecord s = MAPPER.readValue(line, SampleRecord.class);
        JsonNode answer = s.answer() instanceof NullNode ? null : s.answer();
        return new SampleRecord(s.id(), s.run(), s.task(), s.docId(), s.request(), s.rawOutputs(), answer, s.score(),
                s.createdAtMillis(), s.ttftMs(), s.totalMs(), s.model(), s.engine(), s.owner());
    }
}
