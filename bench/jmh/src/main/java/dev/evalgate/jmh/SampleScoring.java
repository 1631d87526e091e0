package dev.evalgate.jmh;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.evalgate.scoring.mera.CodeRunner;
import dev.evalgate.scoring.mera.GoldRow;
import dev.evalgate.scoring.mera.MeraTask;
import dev.evalgate.scoring.mera.MeraTaskSpec;
import dev.evalgate.scoring.mera.ScoredAnswer;
import dev.evalgate.scoring.mera.TaskCatalogue;

/** Cost per sample of MERA's answer extraction plus its metric (PARus accuracy, MultiQ SQuAD F1, USE grades), against String.equals. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SampleScoring {

    private static final int SAMPLES = 8;
    private static final CodeRunner NO_CODE = (function, completion, entryPoint, tests) -> {
        throw new UnsupportedOperationException("not a code task");
    };

    @Param({"parus", "multiq", "use"})
    public String task;

    private MeraTask meraTask;
    private String[] raws;
    private GoldRow[] rows;
    private String[] cuts;
    private String[] golds;

    @Setup
    public void setUp() {
        meraTask = TaskCatalogue.mera().task(task).orElseThrow();
        // {raw generation, gold, use: id_task, type, max score}; raw texts run on past the stop as a model's do.
        String[][] samples = switch (task) {
            case "parus" -> new String[][] {
                {"1", "1"}, {" 2", "2"}, {"Ответ: 2\nОбъяснение: трава мокрая, потому что шёл дождь.", "2"},
                {"1 или 2", "2"}, {"Правильный ответ — 1, потому что земля мокрая.", "1"},
                {"2\n\nЗадание: выберите причину.", "1"}, {"Выбор 1.", "1"}, {"Не знаю, оба варианта возможны.", "2"}};
            case "multiq" -> new String[][] {
                {" Лев Толстой\nВопрос: кто написал «Анну Каренину»?", "Лев Толстой;Толстой"},
                {"Москва", "Москва;г. Москва"}, {" в 1961 году, когда Гагарин полетел в космос", "1961"},
                {"The Moscow Kremlin", "Московский Кремль;Кремль"}, {"  «Война и мир»\n", "Война и мир"},
                {"Санкт-Петербург, бывший Ленинград", "Ленинград;Санкт-Петербург"},
                {"Не указано в тексте.", "Байкал"}, {" Пётр I\nОтвет окончен.", "Пётр Первый;Пётр I"}};
            case "use" -> new String[][] {
                {" 1,3. Потому что оба утверждения верны", "1,3", "16", "multiple_choice_based_on_text", "2"},
                {"город\nсело", "город", "1", "text", "1"}, {"1,2,4,3", "1,2,3,4", "26", "matching", "4"},
                {" 2,5", "2,5", "3", "multiple_choice_based_on_text", "1"}, {"Ответ: сделанный.", "сделанный", "9", "text", "1"},
                {"4", "4", "2", "multiple_choice", "1"}, {" 3,1,2,4", "3,1,2,4", "8_0", "matching", "5"},
                {"1) Прилагательное", "прилагательное", "11", "text", "1"}};
            default -> throw new IllegalArgumentException("no samples for " + task);
        };
        raws = new String[SAMPLES];
        rows = new GoldRow[SAMPLES];
        cuts = new String[SAMPLES];
        golds = new String[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            String[] s = samples[i];
            ObjectNode meta = JsonNodeFactory.instance.objectNode();
            meta.put("id", i);
            if (task.equals("use")) {
                meta.put("id_task", s[2]);
                meta.put("variant", 1 + i % 2);
                meta.put("type", s[3]);
                meta.put("score", Integer.parseInt(s[4]));
            }
            raws[i] = s[0];
            rows[i] = new GoldRow(task, String.valueOf(i), "", JsonNodeFactory.instance.objectNode(), TextNode.valueOf(s[1]), meta);
            cuts[i] = ((MeraTaskSpec) meraTask).cut(s[0]);
            golds[i] = s[1];
        }
    }

    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public void extractAndScore(Blackhole bh) {
        for (int i = 0; i < SAMPLES; i++) {
            JsonNode answer = meraTask.extract(List.of(raws[i]), rows[i], NO_CODE);
            bh.consume(meraTask.metrics(List.of(new ScoredAnswer(rows[i], answer))));
        }
    }

    /** Exact match of the already-cut text: what scoring would cost with no extraction and no metric bookkeeping. */
    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public void baselineEquals(Blackhole bh) {
        for (int i = 0; i < SAMPLES; i++) {
            bh.consume(cuts[i].equals(golds[i]));
        }
    }
}
