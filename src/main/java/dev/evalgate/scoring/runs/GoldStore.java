package dev.evalgate.scoring.runs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.scoring.mera.GoldRow;
import dev.evalgate.scoring.mera.MeraTask;
import dev.evalgate.scoring.mera.TaskCatalogue;

/**
 * Gold labels per task and document, from MERA dataset files: {@code <task>.jsonl} (a row per line) or
 * {@code <task>.json} ({@code {"data": {"<split>": [rows]}}}; the {@code test} split if there is one, else
 * {@code public_test}, else the first). Thread-safe; uploads replace a task's rows.
 */
public final class GoldStore {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final TaskCatalogue catalogue;
    private final Map<String, Map<String, GoldRow>> byTask = new ConcurrentHashMap<>();
    private final AtomicLong version = new AtomicLong();
    /** Gold files that could not be read at start, by task, with why: the gateway serves on and says so. */
    private final Map<String, String> problems = new ConcurrentHashMap<>();

    public GoldStore(TaskCatalogue catalogue) {
        this.catalogue = catalogue;
    }

    /**
     * Reads every gold file of {@code dir} as {@link #load} does, but a file that does not read is skipped and
     * reported ({@link #problems()}) instead of stopping the caller: a gateway serves on with the gold it has.
     */
    public static GoldStore loadReporting(TaskCatalogue catalogue, Path dir) throws IOException {
        return read(catalogue, dir, true);
    }

    /** Gold files that could not be read at start, by task, with why. */
    public Map<String, String> problems() {
        return Map.copyOf(problems);
    }

    /** Reads every {@code <task>.jsonl} / {@code <task>.json} of a known task in {@code dir}; any bad file stops it. */
    public static GoldStore load(TaskCatalogue catalogue, Path dir) throws IOException {
        return read(catalogue, dir, false);
    }

    private static GoldStore read(TaskCatalogue catalogue, Path dir, boolean skipBadFiles) throws IOException {
        GoldStore store = new GoldStore(catalogue);
        if (!Files.isDirectory(dir)) {
            throw new IOException("gold directory " + dir + " does not exist");
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{json,jsonl}")) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                String task = fileName.substring(0, fileName.lastIndexOf('.')).toLowerCase(Locale.ROOT);
                if (catalogue.task(task).isEmpty()) {
                    continue;
                }
                try {
                    store.put(task, parse(catalogue.task(task).get(), fileName,
                            Files.readString(file, StandardCharsets.UTF_8)));
                } catch (GoldFormatException | IOException e) {
                    if (!skipBadFiles) {
                        throw e;
                    }
                    store.problems.put(task, e.getMessage());
                }
            }
        }
        return store;
    }

    /** Replaces the rows of one task with those parsed from {@code content} (JSONL or MERA's JSON). */
    public int upload(String taskName, String fileName, String content) {
        MeraTask task = task(taskName, fileName);
        List<GoldRow> rows = parse(task, fileName, content);
        put(task.name(), rows);
        return rows.size();
    }

    /**
     * Parses an upload without applying it; throws {@link GoldFormatException} on what it would reject, an upload with
     * no rows included (it would wipe the task's gold, and is nearly always a file that was not sent).
     */
    public void check(String taskName, String fileName, String content) {
        if (parse(task(taskName, fileName), fileName, content).isEmpty()) {
            throw new GoldFormatException(fileName, 0, "the upload holds no rows");
        }
    }

    private MeraTask task(String taskName, String fileName) {
        return catalogue.task(taskName)
                .orElseThrow(() -> new GoldFormatException(fileName, 0, "unknown MERA task `" + taskName + "`"));
    }

    private void put(String task, List<GoldRow> rows) {
        Map<String, GoldRow> map = new ConcurrentHashMap<>();
        for (GoldRow row : rows) {
            map.put(row.docId(), row);
        }
        byTask.put(task, map);
        version.incrementAndGet();
    }

    /** Changes whenever any task's gold is replaced: reports computed against an older version are stale. */
    public long version() {
        return version.get();
    }

    public Optional<GoldRow> row(String task, String docId) {
        Map<String, GoldRow> rows = byTask.get(task);
        return rows == null ? Optional.empty() : Optional.ofNullable(rows.get(docId));
    }

    /** All rows of a task. */
    public java.util.Collection<GoldRow> rows(String task) {
        Map<String, GoldRow> rows = byTask.get(task);
        return rows == null ? List.of() : rows.values();
    }

    /** Rows of a task with a gold answer (closed test rows are known but not counted). */
    public int goldCount(String task) {
        Map<String, GoldRow> rows = byTask.get(task);
        return rows == null ? 0 : (int) rows.values().stream().filter(GoldRow::hasGold).count();
    }

    /** Parses JSONL (a row per line) or MERA's JSON; {@code fileName} decides, and names the file in errors. */
    static List<GoldRow> parse(MeraTask task, String fileName, String content) {
        List<GoldRow> rows = new ArrayList<>();
        if (fileName.endsWith(".jsonl")) {
            JsonLines.read(fileName, new BufferedReader(new StringReader(content)),
                    (line, value) -> rows.add(row(task, fileName, line, value)));
            return rows;
        }
        JsonNode root = readJson(fileName, 1, content);
        JsonNode data = root.path("data");
        if (!data.isObject() || data.isEmpty()) {
            throw new GoldFormatException(fileName, 1, "expected {\"data\": {\"<split>\": [rows]}}");
        }
        JsonNode split = data.has("test") ? data.get("test") : data.has("public_test") ? data.get("public_test")
                : data.elements().next();
        if (!split.isArray()) {
            throw new GoldFormatException(fileName, 1, "the split must be a list of rows");
        }
        int i = 0;
        for (JsonNode r : split) {
            rows.add(row(task, fileName, ++i, r));
        }
        return rows;
    }

    private static JsonNode readJson(String fileName, int line, String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new GoldFormatException(fileName, line, "not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
    }

    private static GoldRow row(MeraTask task, String fileName, int line, JsonNode r) {
        if (!r.isObject()) {
            throw new GoldFormatException(fileName, line, "a row must be a JSON object");
        }
        JsonNode meta = r.path("meta");
        String docId = task.docId(meta);
        if (!meta.isObject() || docId.isEmpty()) {
            throw new GoldFormatException(fileName, line, "the row has no meta.id");
        }
        return new GoldRow(task.name(), docId, r.path("instruction").asText(null), r.get("inputs"), r.get("outputs"), meta);
    }
}
