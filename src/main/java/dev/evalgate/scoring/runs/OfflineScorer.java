package dev.evalgate.scoring.runs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.evalgate.scoring.mera.CodeRunner;
import dev.evalgate.scoring.mera.GoldRow;
import dev.evalgate.scoring.mera.TaskCatalogue;

/**
 * The offline {@code score} command, the same code as live scoring:
 * {@code score --gold DIR --predictions FILE.jsonl} (lines {@code {"task", "doc_id", "output"}} with raw generated
 * text; several lines of one code-task document are its samples) or {@code score --gold DIR --submission FILE.zip}
 * (answers already extracted, scored as the MERA website does). Prints the run report as JSON.
 */
public final class OfflineScorer {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String USAGE = "usage: score --gold DIR (--predictions FILE.jsonl | --submission FILE.zip)";

    private OfflineScorer() {
    }

    /** Runs the command; returns the process exit code (0 success, 1 bad input, 2 bad usage). */
    public static int run(List<String> args, PrintStream out, PrintStream err, Supplier<CodeRunner> code) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!List.of("--gold", "--predictions", "--submission").contains(a) || i + 1 >= args.size()) {
                err.println("score: unexpected argument `" + a + "`\n" + USAGE);
                return 2;
            }
            options.put(a, args.get(++i));
        }
        if (!options.containsKey("--gold") || options.containsKey("--predictions") == options.containsKey("--submission")) {
            err.println(USAGE);
            return 2;
        }
        try {
            TaskCatalogue catalogue = TaskCatalogue.mera();
            GoldStore gold = GoldStore.load(catalogue, Path.of(options.get("--gold")));
            RunReport report = options.containsKey("--predictions")
                    ? predictions(Path.of(options.get("--predictions")), new SampleScorer(catalogue, gold, CodeRunner.lazy(code), "offline"))
                    : submission(Path.of(options.get("--submission")), gold, catalogue);
            out.println(MAPPER.writeValueAsString(report));
            return 0;
        } catch (GoldFormatException e) {
            err.println("score: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("score: " + e.getMessage());
            return 1;
        }
    }

    static RunReport predictions(Path file, SampleScorer scorer) throws IOException {
        String name = file.getFileName().toString();
        RunScoreboard board = new RunScoreboard();
        String run = name.replaceFirst("\\.[^.]*$", "");
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonLines.read(name, reader, (n, p) -> {
                if (!p.path("task").isTextual() || p.path("doc_id").isMissingNode() || p.path("doc_id").isNull()
                        || !p.path("output").isTextual()) {
                    throw new GoldFormatException(name, n, "expected {\"task\": str, \"doc_id\": id, \"output\": str}");
                }
                String task = p.get("task").asText();
                if (scorer.catalogue().task(task).isEmpty()) {
                    throw new GoldFormatException(name, n, "unknown MERA task `" + task + "`");
                }
                EvalTag tag = EvalTag.of(run, task, p.get("doc_id").asText());
                board.record(scorer.score(name + ":" + n, Completion.offline(tag, p.get("output").asText()), 0));
            });
        }
        return RunReport.build(run, board.run(run).orElse(Map.of()), scorer.gold(), scorer.catalogue());
    }

    static RunReport submission(Path file, GoldStore gold, TaskCatalogue catalogue) throws IOException {
        List<SubmissionZip.TaskFile> files;
        try (InputStream in = Files.newInputStream(file)) {
            files = SubmissionZip.read(in, file.getFileName().toString(), catalogue);
        }
        Map<String, Collection<SampleRecord>> samples = new LinkedHashMap<>();
        Map<String, String> problems = new LinkedHashMap<>();
        for (SubmissionZip.TaskFile f : files) {
            String problem = f.problem() != null ? f.problem() : typeMismatch(f, gold);
            if (problem != null) {
                problems.put(f.task().name(), problem);
            }
            samples.put(f.task().name(), problem != null ? new ArrayList<>() : f.samples());
        }
        String run = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        return RunReport.build(run, samples, gold, catalogue, problems);
    }

    /** MERA zeroes a task when an answer's JSON type differs from its gold's. */
    private static String typeMismatch(SubmissionZip.TaskFile f, GoldStore gold) {
        for (SampleRecord s : f.samples()) {
            GoldRow row = gold.row(f.task().name(), s.docId()).orElse(null);
            if (row != null && row.hasGold() && row.outputs().getNodeType() != s.answer().getNodeType()) {
                return f.task().submissionName() + ".json: document " + s.docId() + " has outputs of type "
                        + s.answer().getNodeType() + " where the gold is " + row.outputs().getNodeType();
            }
        }
        return null;
    }
}
