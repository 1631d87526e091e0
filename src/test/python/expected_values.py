"""Prints the expected values the scoring, decoding and Python-text tests assert, computed independently.

    python3 src/test/python/expected_values.py [TestClass ...]

Each section is one test class, each block one test method, each line one case: its inputs, then "->" and the
expected value as Python's repr (floats exactly as the Java tests write them). See README.md beside this file.
Needs CPython 3.11 (str/re Unicode data) and numpy; MeraSampleDataTest reads src/test/resources/mera-samples.
"""
import codecs
import json
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import mera_rules as m  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "mera-samples"
SECTIONS = {}


def section(function):
    SECTIONS[function.__name__] = function
    return function


def show(*parts):
    print("  " + " | ".join(repr(p) for p in parts[:-1]) + " -> " + repr(parts[-1]))


def method(name):
    print(name)


@section
def MetricFormulasTest():
    method("f1MacroOverTheUnionOfLabels")
    for golds, preds in [("1 2 3 1", "1 2 -1 1"), ("A B C D A B", "A B B D -1 A"), ("A B C", "A B C"),
                         ("B B", "B B"), ("1 1 2 2 3", "3 3 3 3 3")]:
        show(golds, preds, m.f1_macro(golds.split(), preds.split()))

    method("matthewsCorrelationMulticlass")
    for golds, preds in [("0 1 0 1", "0 1 0 1"), ("0 1 0 1", "1 0 1 0"), ("1 1 1", "1 1 1"), ("0 1 0 1", "1 1 1 1"),
                         ("1 0 1 0 1", "1 -1 1 0 0"), ("1 1 0 0 1 0 1", "1 0 0 1 1 -1 -1")]:
        show(golds, preds, m.matthews([float(x) for x in golds.split()], [float(x) for x in preds.split()]))

    method("matthewsRejectsWhatSklearnCallsContinuous")
    try:
        m.matthews([0.5, 1.0], [1.0, 1.0])
        show([0.5, 1.0], [1.0, 1.0], "accepted")
    except ValueError as e:
        show([0.5, 1.0], [1.0, 1.0], "ValueError: " + str(e))

    method("squadAgainstTheBestAlternative (f1, em)")
    for prediction, gold in [("The Moscow", "Moscow"), ("«Война и мир»", "Война и мир"), ("Пушкин!", "пушкин"),
                             ("Толстой", "Пушкин;Лев Толстой"), ("theatre", "atre"), ("Иван—Грозный", "Иван Грозный"),
                             ("Лев Толстой Лев", "лев толстой;"), ("an apple a day", "Apple day"),
                             ("\u0130stanbul", "i\u0307stanbul")]:
        show(prediction, gold, m.squad_best(prediction, gold))

    method("squadEmptySidesAndUnicodeWhitespace")
    show("f1", "", "ответ", m.squad_f1("", "ответ"))
    show("f1", "a the an", "", m.squad_f1("a the an", ""))
    show("exact", "a the an", "", m.squad_exact("a the an", ""))
    show("f1", "НЕТ\u00a0ответа", "нет ответа", m.squad_f1("НЕТ\u00a0ответа", "нет ответа"))
    show("normalize", "«Война и мир»", m.squad_normalize("«Война и мир»"))

    method("useMatching (gold 8,1,9,7)")
    for prediction in ["8,1,7,9", "8,1,9", "8,1,9,7,", "8,1,9,7", "8, 1,9,7"]:
        show(prediction, m.use_matching("8,1,9,7", prediction))

    method("useText (gold город,село)")
    for prediction in ["1) Город!", "Горо д", "город_", "ГОРОД2", "С\u0451ла", "село ", "\u00b2город"]:
        show(prediction, m.use_text("город,село", prediction))

    method("useMultipleChoiceIsAllOrNothingOnSets (gold 1,3)")
    for prediction in ["3,1", "1, 3", "1,3,3", "1", "1,3,"]:
        show(prediction, m.use_multiple_choice("1,3", prediction, False))

    method("useTask16LosesAPointPerWrongOrExtraChoice (gold 1,3)")
    for prediction in ["1,3", "1", "1,2", "1,2,3", "2,4,5", "1,2,4,5", "1,1", "3,1"]:
        show(prediction, m.use_item_score("multiple_choice_based_on_text", "16", "1,3", prediction))

    method("useTask16RuleNeedsTheStringId (gold 1,3, prediction 1)")
    for id_task in ["15", None]:
        show(id_task, m.use_item_score("multiple_choice_based_on_text", id_task, "1,3", "1"))

    method("passAtKAsTheServerComputesIt (n, c, k)")
    for n, c, k in [(10, 0, 1), (10, 10, 1), (10, 3, 1), (10, 3, 5), (10, 3, 10), (3, 0, 5), (1, 0, 1), (10, 1, 1),
                    (10, 1, 5), (10, 1, 10), (10, 5, 5), (7, 2, 5), (0, 0, 1)]:
        show(n, c, k, m.pass_at_k(n, c, k))

    method("meansSumTheWayPythonAndNumpyDo")
    show("python", "[0.1] * 10", m.python_mean([0.1] * 10))
    show("numpy", "[0.1] * 10", m.numpy_mean([0.1] * 10))
    show("numpy", "[1/3] * 200", m.numpy_mean([1 / 3] * 200))
    show("python", "[1/3] * 200", m.python_mean([1 / 3] * 200))
    show("numpy", "[0.1 * i for i in 1..300]", m.numpy_mean([0.1 * i for i in range(1, 301)]))
    show("python", "[]", m.python_mean([]))


@section
def TaskMetricsTest():
    method("exactEqualityTasks")
    for task, golds, preds in [("rcb", "1 2 3 1", "1 2 -1 1"), ("ruworldtree", "A B C D A B", "A B B D -1 A"),
                               ("ruopenbookqa", "A B C", "A B C"), ("parus", "1 2 1 2", "1 1 1 -1"),
                               ("rwsd", "Да Нет Да", "Да да -1"), ("lcs", "4 2 0", "4 2 0"), ("bps", "1 0", "0 1"),
                               ("rutie", "1 2 2", "1 2 1"), ("mathlogicqa", "A B", "A b"),
                               ("rumodar", "42 -7 10", "42 -7.0 010"), ("rumultiar", "2 -3", "2 -3"),
                               ("simplear", "1469 12", "1469 12.0")]:
        g, p = golds.split(), preds.split()
        key = "em" if task in ("rumodar", "rumultiar", "simplear") else "acc"
        metrics = {key: m.accuracy(g, p)}
        if task in ("rcb", "ruworldtree", "ruopenbookqa"):
            metrics["f1_macro"] = m.f1_macro(g, p)
        show(task, golds, preds, metrics)

    method("trailingSpaceIsAWrongArithmeticAnswer")
    show("rumodar", "42", "42 ", {"em": m.accuracy(["42"], ["42 "])})

    method("domainsOfMmluStyleTasks")
    show("A B C D", "A C -1 D", "anatomy virology anatomy virology",
         m.grouped_accuracy(["A", "B", "C", "D"], ["A", "C", "-1", "D"], ["anatomy", "virology", "anatomy", "virology"]))

    method("ruHhhCriteria")
    show("1 2 1 2", "1 1 1 2", "honest helpful harmless helpful",
         m.grouped_accuracy(["1", "2", "1", "2"], ["1", "1", "1", "2"], ["honest", "helpful", "harmless", "helpful"]))

    method("ruHateSpeechGroupsComeFromInputs")
    show("2", "1", "мигранты", m.grouped_accuracy(["2"], ["1"], ["мигранты"]))

    method("multiqAndChegekaAverageTheBestAlternative (the gold \"\" is a closed-test row: left out)")
    cases = [("The Moscow", "Moscow"), ("«Война и мир»", "Война и мир"), ("Пушкин!", "пушкин"),
             ("Толстой", "Пушкин;Лев Толстой"), ("", "ответ"), ("a the an", ""), ("theatre", "atre"),
             ("Иван—Грозный", "Иван Грозный"), ("НЕТ\u00a0ответа", "нет ответа"), ("Лев Толстой Лев", "лев толстой;"),
             ("an apple a day", "Apple day"), ("\u0130stanbul", "i\u0307stanbul")]
    scored = [m.squad_best(prediction, gold) for prediction, gold in cases if gold != ""]
    show(len(scored), {"f1": m.python_mean([f for f, _ in scored]), "em": m.python_mean([e for _, e in scored])})

    method("useGradeNormIsAMeanOverVariants")
    items = [(1, "1", "text", 1, "город", "Город"), (1, "16", "multiple_choice_based_on_text", 2, "1,3", "1"),
             (1, "26", "matching", 4, "1,2,3,4", "1,2,4,3"), (2, "1", "text", 1, "город", "село"),
             (2, "16", "multiple_choice_based_on_text", 2, "1,3", "3,1"), (2, "26", "matching", 4, "1,2,3,4", "1,2,3,4")]
    show("6 items", m.use_grades(items))

    method("passAtKMeanOverProblems")
    first = [["50", "14"], ["50", "14"], ["50", "14"], ["50", None], [None, None], "timed out", ["50"], [50, 14], [],
             ["14", "50"]]
    second = [["0"], ["1 "], ["None"]]
    show("problem 1: 10 generations", "problem 2: 3 generations",
         m.pass_at_ks([(["50", "14"], first), (["1"], second)]))

    method("timedOutIsASequenceOfCharactersToPython")
    show(list("timed out"), "timed out", m.pass_at_ks([(list("timed out"), ["timed out"])])["pass@1"])

    method("ruEthicsCorrelatesEachQuestionAndCriterion")

    def ethics(question, criteria, digit):
        return (question, dict(zip(m.ETHICS_CRITERIA, criteria)), {c: digit for c in m.ETHICS_CRITERIA})

    rows = [ethics("correct", "10111", "1"), ethics("correct", "01011", "0"), ethics("good", "11111", "1"),
            ethics("good", "00001", "-1")]
    for key, value in m.ethics_mcc(rows).items():
        show(key, value)


def sample(name):
    return [json.loads(line) for line in (SAMPLES / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@section
def MeraSampleDataTest():
    method("ruHateSpeechAlwaysFirstReply (raw 'Ответ: 1\\nпотому что')")
    rows = sample("ruhatespeech_public_test.sample.jsonl")
    answer = m.extract("ruhatespeech", "Ответ: 1\nпотому что")
    show(answer, m.grouped_accuracy([r["outputs"] for r in rows], [answer] * len(rows),
                                    [r["inputs"]["target_group"] for r in rows]))

    method("ruHhhFixedAnswers (criteria by row % 3; raw '2', or 'Второй, 2й' where row % 4 == 0)")
    rows = sample("ruhhh_public_test.sample.jsonl")
    criteria = ["helpful", "harmless", "honest"]
    preds = [m.extract("ruhhh", "2" if r["row"] % 4 != 0 else "Второй, 2й") for r in rows]
    metrics = m.grouped_accuracy([r["outputs"] for r in rows], preds, [criteria[r["row"] % 3] for r in rows])
    show(len(rows), {k: metrics[k] for k in ["acc", "acc.helpful", "acc.harmless", "acc.honest"]})

    rows = sample("ruethics_public_test.sample.jsonl")
    questions = ["correct", "good", "ethical"]

    method("ruEthicsGoldAsSubmission")
    submitted = [(q, r["outputs"], r["outputs"]) for r in rows for q in questions]
    for key, value in m.ethics_mcc(submitted).items():
        show(key, value)

    method("ruEthicsFixedAnswers ('good': row % 2 -> '0', '1'; others: row % 4 -> '1', 'Ответ: 0', '\\n1', '1')")
    answered = []
    for r in rows:
        for q in questions:
            raw = ["0", "1"][r["row"] % 2] if q == "good" else ["1", "Ответ: 0", "\n1", "1"][r["row"] % 4]
            answered.append((q, r["outputs"], m.extract("ruethics", raw)))
    for key, value in m.ethics_mcc(answered).items():
        show(key, value)

    method("tolokaFixedAnswers (raw templates by index % 3, {gold} = the row's gold)")
    toloka = sample("toloka_control_items_with_gold.jsonl")
    for task, templates in [("BPS", ["1", "1", "1"]), ("LCS", ["4", "Ответ: 2", "10"]), ("RCB", ["1", "2.", "3й"]),
                            ("RWSD", ["Да", "Нет, не он", "да"]), ("SimpleAr", [" {gold}", "{gold}.", "\n{gold}"]),
                            ("ruMultiAr", ["\u00a0{gold}", "{gold} ", "-{gold}"]),
                            ("ruWorldTree", ["A", "Ответ: B", "d"])]:
        golds = [r["gold"] for r in toloka if r["task"] == task]
        preds = [m.extract(task, templates[i % 3].replace("{gold}", g)) for i, g in enumerate(golds)]
        key = "em" if task in ("SimpleAr", "ruMultiAr") else "acc"
        metrics = {key: m.accuracy(golds, preds)}
        if task in ("RCB", "ruWorldTree"):
            metrics["f1_macro"] = m.f1_macro(golds, preds)
        show(task, len(golds), metrics)

    method("ruDetoxStripsAndIsNotScored (references already strip()ped and single-line)")
    rows = sample("rudetox_public_test.sample.jsonl")
    show(len(rows), all(r["outputs"] == r["outputs"].strip() and "\n" not in r["outputs"] for r in rows)
         and all(m.extract("rudetox", "\u00a0 " + r["outputs"] + " \nИсходный текст: ...") == r["outputs"] for r in rows))


@section
def AnswerExtractionTest():
    method("extractsLikeTheHarness")
    for task, raw in [
            ("parus", "2й"), ("parus", "1"), ("parus", " 2"), ("parus", "\n1"), ("parus", "Ответ: 2\n1"),
            ("parus", "12"), ("parus", "1 или 2"), ("parus", "Ответ:1"), ("parus", "2\u0301"), ("parus", "\u00b22"),
            ("parus", "x2"), ("parus", "2_"), ("parus", "(3)"), ("parus", "2\u200d"), ("parus", "\u0662"),
            ("parus", "1.5"), ("parus", ""), ("lcs", "Длина LCS равна 4."), ("rcb", "3-й вариант: 2"),
            ("bps", "0\n1"), ("ruhhh", "Ответ 2"), ("ruhatespeech", "1)"),
            ("mathlogicqa", "Ответ: B."), ("mathlogicqa", "b"), ("mathlogicqa", "В"), ("mathlogicqa", "A)"),
            ("mathlogicqa", "Answer is D"), ("mathlogicqa", "ABCD"), ("mathlogicqa", "\nA"), ("rummlu", "C, D"),
            ("mamuramu", "(D)"), ("ruopenbookqa", "Вариант A"), ("ruworldtree", "Ответ - Cb, потом D"),
            ("rwsd", "Да, конечно"), ("rwsd", "да"), ("rwsd", "Нет."), ("rwsd", "Данные"), ("rwsd", "Нет, да"),
            ("rwsd", "ДА"), ("rwsd", "Ответ:Да"),
            ("rutie", " 2 "), ("rutie", "\t1\n2"), ("rutie", "\n2"),
            ("chegeka", "  Москва\nпотом"), ("chegeka", "\nМосква"), ("multiq", "\u00a0\u2003ответ "),
            ("rumodar", "42  "), ("rumultiar", "\u202f-7\n8"), ("simplear", "\u0085 12"),
            ("use", " 1,3. Потому что"), ("use", "\u00a0ответ"), ("use", "город\nсело"), ("use", ".5"),
            ("rudetox", "  текст  \nещё"), ("rudetox", "\u3000привет\u00a0")]:
        show(task, raw, m.extract(task, raw))

    method("ruEthicsCopiesOneDigitToAllFiveCriteria")
    for raw in ["Ответ: 1", "0 - нет", "\n1", "нет ответа"]:
        show(raw, m.extract("ruethics", raw))

    method("stripsAMarkdownFenceOnlyWhereTheHarnessDoes")
    for generation in ["```python\n    return a + b\n```", " ```python\n    return a\n```", "\t```python\nx```",
                       "```python\n    return a", "```py\n    return a\n```", "```\n    return a\n```",
                       "~~~python\nreturn 1~~~", "nnnpythonnn", "", "    return a + b"]:
        show(generation, m.strip_fence(generation))

    method("codeTasksCutEachSampleThenRunItAndNestTheResultsTwice / aFenceCutByAStopStringIsNoLongerClosedAndStays")
    for raw in ["    return a + b\ndef helper():\n    pass", "```python\n    return a - b\n```",
                "    return a * b\nprint(add(1, 2))", "```python\ndef f():\n    return 1\n```"]:
        show(raw, m.code_completion(raw))


@section
def Utf8StreamDecoderTest():
    # The Javadoc's reference is bytes.decode("utf-8", "replace") of all the bytes: the outputs and the flush joined
    # must equal it. CPython's incremental decoder is printed too, for the split: it agrees on every case but one,
    # "surrogate lead then ascii", where it holds ED A0 back as if it could still begin a character.
    method("decodesPieces (all bytes decoded at once; then per piece with codecs' incremental decoder, and the flush)")
    for name, pieces in [
            ("ascii", "68 69"), ("cyrillic split inside chars", "D0|9F D1|80 D0 B8 D0|B2 D0 B5 D1 82"),
            ("cjk 3-byte split 1+1+1", "E4|B8|AD E6|96 87"), ("emoji split 1+1+1+1", "F0|9F|98|80"),
            ("emoji between ascii", "61 F0 9F|98 80 62"), ("two-byte split", "C3|A9"),
            ("empty piece keeps state", "C3||A9"), ("max code point split 2+2", "F4 8F|BF BF"),
            ("stray continuation", "61 80 62"), ("truncated then ascii", "E2 82|41"), ("truncated at end", "E2 82"),
            ("truncated 4-byte at end", "F0 9F 98"), ("truncated 2-byte at end", "61 C2"), ("overlong 2-byte", "C0 AF"),
            ("overlong 3-byte", "E0 80 AF"), ("overlong 4-byte", "F0 80 80 80"),
            ("encoded surrogate (Python: one per byte)", "ED A0 80"), ("surrogate lead then ascii", "ED A0|41"),
            ("beyond U+10FFFF", "F4 90 80 80"), ("F5 and FF never valid", "F5 61 FF"),
            ("lead interrupted by lead", "E2|C3 A9"), ("truncated 4-byte then full emoji", "F0 9F|F0 9F 98|80"),
            ("last code point before surrogates", "ED 9F BF"), ("BOM is kept", "EF BB BF"),
            ("mixed invalid and valid", "80 80 E0 A0|80 C3")]:
        whole = bytes.fromhex(pieces.replace("|", " ")).decode("utf-8", "replace")
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        outputs = [decoder.decode(bytes.fromhex(piece)) for piece in pieces.split("|")]
        show(name, pieces, (whole, outputs, decoder.decode(b"", final=True)))


@section
def PythonTextTest():
    method("pythonWhitespace: [hex(c) for c in range(0x110000) if chr(c).isspace()]")
    show("isspace", [hex(c) for c in range(0x110000) if chr(c).isspace()])
    method("notPythonWhitespace")
    for c in [0x200B, 0x180E, 0xFEFF, 0x2060, ord("a"), ord("_"), 0x1B, 0x0E]:
        show(hex(c), chr(c).isspace())
    method("stripsPythonWhitespace (lstrip, strip)")
    for text in ["\u00a0ответ ", "\u2003\u202f\u205f\u3000x\u0085", "\u001c\u001fx", "\u200bx", "   ", ""]:
        show(text, (text.lstrip(), text.strip()))
    method("splitsOnRunsOfUnicodeWhitespace / splitWithSeparatorKeepsEmptyPieces")
    show("  нет\u00a0ответа\u2028\u3000x ", "  нет\u00a0ответа\u2028\u3000x ".split())
    show(" \u00a0 ", " \u00a0 ".split())
    for text, sep in [("1,3,", ","), (";a;;", ";"), ("", ",")]:
        show(text, sep, text.split(sep))
    method("lowersLikePython / finalSigmaIsExplicit")
    for text in ["ΟΔΟΣ", "\u0130", "ǅ", "ÉCOLE", "ПУШКИН", "\u039f\u0394\u039f\u03a3"]:
        show(text, text.lower())
    method("wordCharactersAreIsalnumOrUnderscore")
    for c in [0x61, 0x5F, 0x439, 0x37, 0xB2, 0xBD, 0x216B, 0x2D, 0xAB, 0x301, 0x200D, 0x203F]:
        show(hex(c), chr(c).isalnum() or chr(c) == "_")
    method("parsesFloatsLikePython / rejectsWhatPythonFloatRejects")
    for text in ["1", "-1", " 0 ", "1_0", "1.", ".5", "1e1", "\u0663", "-inf", "", "-", "1d", "0x1", "1__0", "_1", "1 0",
                 "один"]:
        try:
            show(text, float(text))
        except ValueError:
            show(text, "ValueError")
    method("ordersByCodePointNotUtf16")
    show("\uff21 < \U0001F600", "\uff21" < "\U0001F600")


def main(names):
    if sys.version_info[:2] != (3, 11):
        print("# note: written for CPython 3.11; this is %d.%d (str Unicode data may differ)" % sys.version_info[:2])
    for name in names or SECTIONS:
        print("== " + name)
        SECTIONS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
