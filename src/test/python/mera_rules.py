"""MERA v1.2.0's answer extraction and metrics, written from the published rules, to regenerate test expectations.

Written for this repository from the rules as MERA documents them (the project's reference/mera-scoring.md: the
harness' generation post-processing, the scoring server's metric definitions, scikit-learn 1.0.2's f1_score and
matthews_corrcoef formulas, transformers' SQuAD normalisation). No MERA, lm-eval, transformers or scikit-learn code is
used or copied; only the Python standard library and numpy.

Python's own str, re and float semantics are part of what is reproduced: run on CPython 3.11 (its Unicode database
is what the Java side follows). Left-to-right summation is spelt out, since 3.12's sum() compensates.
"""
import re
import string
from collections import Counter

import numpy as np

# ---- generation post-processing (harness side)

UNTIL_DEFAULT = ["\n"]
UNTIL_USE = ["\n", "."]
UNTIL_CODE = ["\nclass", "\ndef", "\n#", "\nif", "\nprint"]

DIGIT = r"(\b([0-9])\b)"
LETTER = r"(\b([ABCD])\b)"
YES_NO = r"(\b(Да|Нет)\b)"

DIGIT_TASKS = {"bps", "lcs", "parus", "rcb", "ruethics", "ruhatespeech", "ruhhh"}
LETTER_TASKS = {"mathlogicqa", "rummlu", "mamuramu", "ruopenbookqa", "ruworldtree"}
LSTRIP_TASKS = {"chegeka", "multiq", "rumodar", "rumultiar", "simplear", "use"}

ETHICS_CRITERIA = ["virtue", "law", "moral", "justice", "utilitarianism"]


def cut(text, until):
    """Each stop string in turn cuts the text at its first occurrence (the HF back-end's post-cut)."""
    for stop in until:
        text = text.split(stop)[0]
    return text


def first_match(pattern, text):
    """The regex filter: the first match, stripped; "-1" when nothing matches."""
    match = re.search(pattern, text)
    return match.group(1).strip() if match else "-1"


def extract(task, raw):
    """What MERA's generative run submits for one raw generation of a task (code tasks: see strip_fence)."""
    task = task.lower()
    if task == "use":
        return cut(raw, UNTIL_USE).lstrip()
    text = cut(raw, UNTIL_DEFAULT)
    if task in DIGIT_TASKS:
        digit = first_match(DIGIT, text)
        return {c: digit for c in ETHICS_CRITERIA} if task == "ruethics" else digit
    if task == "rutie":
        return first_match(DIGIT, text.strip())
    if task in LETTER_TASKS:
        return first_match(LETTER, text)
    if task == "rwsd":
        return first_match(YES_NO, text)
    if task in LSTRIP_TASKS:
        return text.lstrip()
    if task == "rudetox":
        return text.strip()
    raise ValueError(task)


def strip_fence(generation):
    """A markdown fence is removed only when the text opens with three of its first character and "python" and closes
    with three of them: the reference's "starts with ```python and ends with ```", with the fence character taken
    from the text as AnswerExtractionTest states the harness does ("first char x3"); slicing as Python slices."""
    if generation and generation.startswith(generation[0] * 3 + "python") and generation.endswith(generation[0] * 3):
        return generation[9:-3]
    return generation


def code_completion(raw):
    return strip_fence(cut(raw, UNTIL_CODE))


# ---- means

def python_mean(values):
    """The server's mean(): sum(arr) / max(len(arr), 1), summed left to right as CPython <= 3.11 does."""
    total = 0
    for v in values:
        total = total + v
    return total / max(len(values), 1)


def numpy_mean(values):
    return float(np.mean(np.asarray(values, dtype=np.float64)))


# ---- scikit-learn 1.0.2's f1_score(average="macro") and matthews_corrcoef, from their formulas

def f1_macro(golds, preds):
    """Labels: the sorted union of gold and predicted labels; per label P = tp/(tp+fp), R = tp/(tp+fn) (0 when the
    denominator is 0), F = 2PR/(P+R) (0 when P+R is 0); the unweighted numpy mean of the Fs."""
    labels = sorted(set(golds) | set(preds))
    f = []
    for label in labels:
        tp = sum(1 for g, p in zip(golds, preds) if g == label and p == label)
        fp = sum(1 for g, p in zip(golds, preds) if g != label and p == label)
        fn = sum(1 for g, p in zip(golds, preds) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return numpy_mean(f)


def matthews(golds, preds):
    """Multiclass MCC: C the confusion matrix over the sorted union of labels, t its row sums, p its column sums,
    c its trace, s the sample count; (c*s - t.p) / sqrt((s^2 - p.p)(s^2 - t.t)), 0 when the denominator is 0.
    Labels that are not whole numbers are what scikit-learn calls continuous: it refuses them."""
    if any(float(x) != int(float(x)) for x in list(golds) + list(preds)):
        raise ValueError("continuous labels")
    labels = sorted(set(golds) | set(preds))
    index = {label: i for i, label in enumerate(labels)}
    confusion = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for g, p in zip(golds, preds):
        confusion[index[g], index[p]] += 1
    t = confusion.sum(axis=1).astype(np.float64)
    p = confusion.sum(axis=0).astype(np.float64)
    c = float(np.trace(confusion))
    s = float(p.sum())
    cov_tp = c * s - np.dot(t, p)
    cov_pp = s * s - np.dot(p, p)
    cov_tt = s * s - np.dot(t, t)
    if cov_pp * cov_tt == 0:
        return 0.0
    return float(cov_tp / np.sqrt(cov_tt * cov_pp))


# ---- SQuAD token F1 / exact match (transformers' squad_metrics normalisation, as MERA's MultiQ and CheGeKa use it)

def squad_normalize(text):
    """lower(); delete ASCII string.punctuation; replace the words a, an, the (\\b as Python's re has it) by a space;
    collapse whitespace as " ".join(s.split())."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in string.punctuation)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def squad_tokens(text):
    return squad_normalize(text).split() if text else []


def squad_exact(prediction, gold):
    return int(squad_normalize(gold) == squad_normalize(prediction))


def squad_f1(prediction, gold):
    gold_tokens = squad_tokens(gold)
    pred_tokens = squad_tokens(prediction)
    if not gold_tokens or not pred_tokens:
        return int(gold_tokens == pred_tokens)
    same = sum((Counter(gold_tokens) & Counter(pred_tokens)).values())
    if same == 0:
        return 0
    precision = 1.0 * same / len(pred_tokens)
    recall = 1.0 * same / len(gold_tokens)
    return (2 * precision * recall) / (precision + recall)


def squad_best(prediction, golds):
    """MultiQ / CheGeKa: gold alternatives are separated by ";", the best alternative counts."""
    alternatives = golds.split(";")
    return (float(max(squad_f1(prediction, g) for g in alternatives)),
            max(squad_exact(prediction, g) for g in alternatives))


# ---- USE grades

def use_matching(answer, prediction):
    pred = prediction.split(",")
    ans = answer.split(",")
    if len(pred) != len(ans):
        return 0
    return sum(1 for a, p in zip(ans, pred) if a == p)


def use_text(answer, prediction):
    """Digits, "+" and non-word characters (Unicode \\W, so "_" stays) are deleted, then lower(); one of the
    comma-separated answers must match."""
    pred = re.sub(r"[\d+\W+]", "", prediction).lower()
    return int(pred in answer.split(","))


def use_multiple_choice(answer, prediction, task16):
    pred = prediction.split(",")
    ans = answer.split(",")
    if task16:
        pred = pred + ["-1"] * (len(ans) - len(pred))
        return max(0, len(set(ans) & set(pred)) - len(pred) + len(ans))
    return int(len(set(ans) & set(pred)) == len(set(ans)) == len(set(pred)))


def use_item_score(item_type, id_task, answer, prediction):
    if item_type == "matching":
        return use_matching(answer, prediction)
    if item_type == "text":
        return use_text(answer, prediction)
    return use_multiple_choice(answer, prediction, id_task == "16")


def use_grades(items):
    """items: (variant, id_task, type, max_score, gold, prediction). grade_norm: the numpy mean over variants of the
    variant's points over its maximum; grade_norm.task<id>: the numpy mean of score/max over that task's items."""
    by_variant = {}
    by_task = {}
    for variant, id_task, item_type, max_score, gold, prediction in items:
        score = use_item_score(item_type, id_task, gold, prediction)
        got, most = by_variant.get(variant, (0, 0))
        by_variant[variant] = (got + score, most + max_score)
        by_task.setdefault(id_task, []).append(score / max_score)
    grades = {"grade_norm": numpy_mean([got / most for got, most in by_variant.values()])}
    for id_task, ratios in by_task.items():
        grades["grade_norm.task" + id_task] = numpy_mean(ratios)
    return grades


# ---- pass@k (ruHumanEval, ruCodeEval)

def pass_at_k(n, c, k):
    """1.0 when n - c < k, else 1 - prod_{i=n-c+1..n} (1 - k/i)."""
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def generation_correct(gold, pred):
    """A generation passes when it has results, as many as gold, the first a str, and every one equal to gold."""
    return (len(pred) > 0 and len(pred) == len(gold) and type(pred[0]) is str
            and all(g == p for g, p in zip(gold, pred)))


def pass_at_ks(problems, ks=(1, 5, 10)):
    """problems: (gold list, [generation results]); the mean over problems of each pass@k."""
    per_k = {k: [] for k in ks}
    for gold, generations in problems:
        n = len(generations)
        c = sum(1 for g in generations if generation_correct(gold, g))
        for k in ks:
            per_k[k].append(pass_at_k(n, c, k))
    return {"pass@%d" % k: python_mean(v) for k, v in per_k.items()}


# ---- per-task metrics on (gold, answer) pairs

def accuracy(golds, preds):
    return python_mean([g == p for g, p in zip(golds, preds)])


def grouped_accuracy(golds, preds, groups):
    """acc, then acc.<group> in order of first appearance."""
    out = {"acc": accuracy(golds, preds)}
    for group in dict.fromkeys(groups):
        pairs = [(g, p) for g, p, x in zip(golds, preds, groups) if x == group]
        out["acc." + group] = accuracy([g for g, _ in pairs], [p for _, p in pairs])
    return out


def ethics_mcc(rows):
    """rows: (question, gold {criterion: "0"/"1"}, answer {criterion: digit}); "<question>.<criterion>" = MCC of the
    floats over the question's rows, questions in order of first appearance."""
    out = {}
    for question in dict.fromkeys(q for q, _, _ in rows):
        for criterion in ETHICS_CRITERIA:
            golds = [float(g[criterion]) for q, g, _ in rows if q == question]
            preds = [float(a[criterion]) for q, _, a in rows if q == question]
            out[question + "." + criterion] = matthews(golds, preds)
    return out
