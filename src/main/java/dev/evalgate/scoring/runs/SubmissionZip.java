package dev.evalgate.scoring.runs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.evalgate.scoring.mera.MeraTask;
import dev.evalgate.scoring.mera.TaskCatalogue;

/**
 * MERA's submission zip, as {@code scripts/log_to_submission.py} writes it: one {@code <TaskName>.json} per task,
 * {@code {"data": {"test": [{"outputs": <answer>, "meta": {...}}]}}}. Written from a run; read for offline scoring.
 */
public final class SubmissionZip {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SubmissionZip() {
    }

    public static void write(OutputStream out, Map<String, Collection<SampleRecord>> samplesByTask, GoldStore gold,
            TaskCatalogue catalogue) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, Collection<SampleRecord>> e : samplesByTask.entrySet()) {
                Optional<MeraTask> task = catalogue.task(e.getKey());
                if (task.isEmpty()) {
                    continue;
                }
                ArrayNode items = MAPPER.createArrayNode();
                for (SampleRecord s : e.getValue()) {
                    if (s.answer() == null) {
                        continue;
                    }
                    ObjectNode item = items.addObject();
                    item.set("outputs", s.answer());
                    item.set("meta", task.get().submissionMeta(s.docId(), gold.row(task.get().name(), s.docId()).orElse(null)));
                }
                ObjectNode file = MAPPER.createObjectNode();
                file.putObject("data").set("test", items);
                zip.putNextEntry(new ZipEntry(task.get().submissionName() + ".json"));
                zip.write(MAPPER.writeValueAsBytes(file));
                zip.closeEntry();
            }
        }
    }

    /** One task's file in a submission: its documents' answers, or why MERA would zero the whole task. */
    public record TaskFile(MeraTask task, List<SampleRecord> samples, String problem) {
    }

    /** Reads a submission zip; files of unknown tasks are ignored, as the MERA website ignores them. */
    public static List<TaskFile> read(InputStream in, String fileName, TaskCatalogue catalogue) throws IOException {
        List<TaskFile> files = new ArrayList<>();
        try (ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                String name = entry.getName().replaceFirst("^.*/", "");
                if (entry.isDirectory() || !name.endsWith(".json")) {
                    continue;
                }
                Optional<MeraTask> task = catalogue.task(name.substring(0, name.length() - ".json".length()));
                if (task.isPresent()) {
                    files.add(taskFile(task.get(), fileName + "!" + name, zip.readAllBytes()));
                }
            }
        }
        return files;
    }

    private static TaskFile taskFile(MeraTask task, String where, byte[] bytes) {
        JsonNode root;
        try {
            root = MAPPER.readTree(bytes);
        } catch (IOException e) {
            return new TaskFile(task, List.of(), where + ": not valid JSON");
        }
        JsonNode test = root.path("data").path("test");
        if (!test.isArray()) {
            return new TaskFile(task, List.of(), where + ": no data.test list");
        }
        List<SampleRecord> samples = new ArrayList<>();
        int i = 0;
        for (JsonNode item : test) {
            i++;
            String docId = item.path("meta").isObject() ? task.docId(item.get("meta")) : "";
            if (docId.isEmpty() || !item.has("outputs")) {
                return new TaskFile(task, List.of(), where + ": item " + i + " has no meta id or no outputs");
            }
            samples.add(new SampleRecord(task.name() + "/" + docId, "submission", task.name(), docId, null, List.of(),
                    item.get("outputs"), null, 0, null, null, null, null, null));
        }
        return new TaskFile(task, samples, null);
    }
}
