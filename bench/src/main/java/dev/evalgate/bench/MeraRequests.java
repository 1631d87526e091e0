package dev.evalgate.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Chat requests shaped like MERA's: a task's instruction with its slots filled, zero-shot or with few-shot examples
 * (fixed per task, as the harness draws them), a short answer (1 to 8 tokens, {@code stop} at a new line), no system
 * message (the gateway adds its default one). Few-shot examples come both ways the harness sends them: joined into
 * one user message, and as alternating user and assistant turns ({@code fewshot_as_multiturn}). Deterministic: the
 * same seed gives the same requests, so the gateway and the baseline read the same bytes.
 */
final class MeraRequests {

    /** Words of the generated texts: Russian with numbers and punctuation, the make-up of MERA's prompts. */
    private static final String[] WORDS = {"в", "и", "на", "что", "с", "по", "не", "который", "государство",
        "экономика", "вопрос", "теория", "функция", "процесс", "система", "развитие", "человек", "время", "история",
        "закон", "право", "значение", "уравнение", "молекула", "энергия", "12", "1945", "3,5", "температура",
        "количество", "следующий", "является", "основной", "причиной", "города", "реки", "Москвы", "учёные",
        "исследование", "результаты", "показали,", "однако", "поэтому", "—", "(см.", "рис.", "2)", "«модель»",
        "компания", "рынок", "спрос", "решение", "задачи", "данных", "Python", "x", "=", "+", "100%."};

    /** One task: how its question is written, how many examples precede it, how long its text is, its answer budget. */
    private record Task(String name, String instruction, int shots, int textWords, int maxTokens) {
    }

    private static final List<Task> TASKS = List.of(
            new Task("rummlu", "Задание содержит вопрос по теме Экономика и 4 варианта ответа A, B, C, D, из которых "
                    + "только один правильный.\n%s\nA %s\nB %s\nC %s\nD %s\nЗапишите букву правильного ответа\nОтвет:",
                    5, 60, 2),
            new Task("ruopenbookqa", "Ниже приведен вопрос и четыре варианта ответа. Выберите правильный.\nВопрос: %s\n"
                    + "A) %s\nB) %s\nC) %s\nD) %s\nОтвет:", 3, 30, 1),
            new Task("ruethics", "Прочитай текст и ответь, поступают ли персонажи этично. Ответь 1, если да, и 0, если "
                    + "нет.\nТекст: %s\nВарианты: %s / %s / %s / %s\nОтвет:", 0, 420, 1),
            new Task("multiq", "Прочитайте два текста и ответьте на вопрос одним-двумя словами.\nТекст 1: %s\n"
                    + "Текст 2: %s %s\nВопрос: %s %s\nОтвет:", 0, 900, 8),
            new Task("rumodar", "Решите пример, запишите только число.\n%s %s %s %s %s\nОтвет:", 0, 6, 4),
            new Task("chegeka", "Прочитайте вопрос из категории «%s» и дайте ответ.\nВопрос: %s %s %s %s\nОтвет:", 4,
                    90, 8));

    private MeraRequests() {
    }

    /**
     * {@code count} request bodies, the tasks taking turns; each has its own question, a task's examples are shared.
     *
     * @param stream whether to ask for an SSE stream
     */
    static List<Buffer> bodies(int count, boolean stream, long seed) {
        Random random = new Random(seed);
        List<List<String[]>> examples = new ArrayList<>();
        for (Task t : TASKS) {
            List<String[]> shots = new ArrayList<>();
            for (int i = 0; i < t.shots(); i++) {
                shots.add(new String[] {question(t, random), answer(t, random)});
            }
            examples.add(shots);
        }
        List<Buffer> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int task = i % TASKS.size();
            Task t = TASKS.get(task);
            List<String[]> shots = examples.get(task);
            // half the few-shot requests as one user message, half as turns
            boolean multiturn = (i / TASKS.size()) % 2 == 1;
            JsonArray messages = new JsonArray();
            String q = question(t, random);
            if (multiturn) {
                for (String[] s : shots) {
                    messages.add(message("user", s[0])).add(message("assistant", s[1]));
                }
                messages.add(message("user", q));
            } else {
                StringBuilder user = new StringBuilder();
                for (String[] s : shots) {
                    user.append(s[0]).append(' ').append(s[1]).append("\n\n");
                }
                messages.add(message("user", user.append(q).toString()));
            }
            JsonObject body = new JsonObject()
                    .put("messages", messages)
                    .put("max_tokens", t.maxTokens())
                    .put("temperature", 0)
                    .put("stop", new JsonArray().add("\n"))
                    .put("stream", stream);
            out.add(body.toBuffer());
        }
        return out;
    }

    /** The task names, in the order {@link #bodies} cycles through them. */
    static List<String> taskNames() {
        return TASKS.stream().map(Task::name).toList();
    }

    private static JsonObject message(String role, String content) {
        return new JsonObject().put("role", role).put("content", content);
    }

    private static String question(Task t, Random random) {
        return String.format(t.instruction(), words(random, t.textWords()), words(random, 6), words(random, 6),
                words(random, 6), words(random, 6));
    }

    private static String answer(Task t, Random random) {
        return switch (t.name()) {
            case "rummlu", "ruopenbookqa" -> String.valueOf("ABCD".charAt(random.nextInt(4)));
            case "ruethics" -> String.valueOf(random.nextInt(2));
            case "rumodar" -> String.valueOf(random.nextInt(1000));
            default -> words(random, 2);
        };
    }

    private static String words(Random random, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(WORDS[random.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }
}
