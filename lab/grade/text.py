"""Free text scored for understanding, not for keywords.

A rubric concept counts only when it appears (as a word, an inflection of it, a synonym,
or - as a bonus - a paraphrase) in a *sentence* that also names evidence: a number, a
feature, a window or date, or a monitored statistic. A list of keywords is not a sentence
and scores nothing. A concept used in a negation or argued against ("not a retrain",
"retraining would chase a moving mix") is not credited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lab.grade import paraphrase

TOKEN = re.compile(r"\d+(?:\.\d+)?%?x?|[a-z_]+(?:'[a-z]+)?")
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n\s*\n|\n\s*[-*]\s+")
FUNCTION_WORDS = frozenset(
    "the a an is are was were be been it its this that these those of to in on at by for "
    "from with and or but so because as than then which who when while if since after "
    "before into about i we they he she so not no would will should could can has have had "
    "do does did there their our my one more less".split())
MIN_WORDS, MIN_FUNCTION_WORDS = 5, 2
NEGATIONS = frozenset("not no never without instead rather against avoid nor cannot".split())
NEGATION_BEFORE = 4  # tokens before a concept that a negation reaches
HYPOTHETICAL = frozenset("would will could might".split())
AUXILIARIES = frozenset("is was are were does do did would should will can could".split())
# What an argued-against remedy "would" do: "retraining would chase / bake in / only teach".
BAD_OUTCOME = frozenset(
    "chase bake teach hide mask waste harm worse wrong overfit bug only little nothing "
    "break".split())
STATISTIC_PHRASES = (
    ("missing", "share"), ("null", "rate"), ("effect", "size"), ("base", "rate"),
    ("alert", "rate"), ("alert", "volume"), ("score", "distribution"), ("score", "mean"),
    ("out", "of", "range"), ("unseen",), ("p99",), ("realis",), ("realiz",), ("estimat",),
    ("drift", "share"), ("window",), ("monday",), ("tuesday",), ("wednesday",), ("thursday",),
    ("friday",), ("saturday",), ("sunday",), ("alert", "a", "day"), ("cost", "a", "day"),
    ("cost", "per", "day"), ("psi",), ("wasserstein",))
# A sentence that refers back to the evidence just named ("That pattern is...") counts too.
REFERRING = frozenset("this that these those it so which therefore hence thus".split())


def stem(word: str) -> str:
    """A crude, consistent stemmer: 'retrained', 'retraining', 'retrains' -> 'retrain'."""
    w = word.lower().replace("'", "")
    for suffix in ("ings", "ing", "ed", "es", "s"):
        if len(w) - len(suffix) >= 3 and w.endswith(suffix) and not w.endswith("ss"):
            w = w[: -len(suffix)]
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]  # dropped -> dropp -> drop
    return w


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text.strip()) if s.strip()]


def is_sentence(words: list[str]) -> bool:
    """Prose, not a keyword list: enough words, and some of them function words."""
    return len(words) >= MIN_WORDS and \
        sum(w in FUNCTION_WORDS for w in words) >= MIN_FUNCTION_WORDS


def names_evidence(words: list[str], features: list[str]) -> bool:
    """A number, a feature, a window or date, or a monitored statistic."""
    if any(w[0].isdigit() for w in words):
        return True
    joined = " ".join(words)
    for f in features:
        if f.lower() in words or f.lower().replace("_", " ") in joined:
            return True
    stems = [stem(w) for w in words]
    for phrase in STATISTIC_PHRASES:
        for i in range(len(stems) - len(phrase) + 1):
            if all(stems[i + k].startswith(p) for k, p in enumerate(phrase)):
                return True
    return False


def _find(stems: list[str], phrase: list[str]) -> list[int]:
    n = len(phrase)
    return [i for i in range(len(stems) - n + 1) if stems[i:i + n] == phrase]


def _argued_against(words: list[str], start: int, end: int) -> bool:
    before = words[max(0, start - NEGATION_BEFORE):start]
    if any(w in NEGATIONS or w.endswith("n't") for w in before):
        return True
    after = words[end:end + 6]
    # "retraining isn't the fix", "a retrain is not needed"
    if after and (after[0].endswith("n't") or (after[0] in AUXILIARIES and len(after) > 1
                                                and after[1] in ("not", "never"))):
        return True
    if any(w in HYPOTHETICAL for w in after):
        return any(stem(w) in BAD_OUTCOME or w in BAD_OUTCOME for w in words[end:])
    return False


@dataclass
class TextResult:
    found: list[str] = field(default_factory=list)
    paraphrased: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    negated: list[str] = field(default_factory=list)
    sentences: int = 0
    evidence_sentences: int = 0
    paraphrase_available: bool = False


def find_concepts(text: str, rubric, features: list[str] = ()) -> TextResult:
    """Which rubric concepts the text states, in sentences that name evidence."""
    out = TextResult(paraphrase_available=paraphrase.available())
    usable: list[list[str]] = []
    previous_had_evidence = False
    for sentence in sentences(text):
        words = tokens(sentence)
        if not is_sentence(words):
            previous_had_evidence = False
            continue
        out.sentences += 1
        evidence = names_evidence(words, list(features))
        if evidence or (previous_had_evidence and words[0] in REFERRING):
            usable.append(words)
        previous_had_evidence = evidence
    out.evidence_sentences = len(usable)
    for concept in rubric:
        phrases = [tokens(p) for p in (concept.concept, *concept.synonyms)]
        phrases = [[stem(w) for w in p] for p in phrases if p]
        status = _status(usable, phrases)
        if status == "found":
            out.found.append(concept.concept)
            continue
        if status == "negated":
            out.negated.append(concept.concept)
        elif usable and paraphrase.matches(
                [" ".join(w) for w in usable], [concept.concept, *concept.synonyms]):
            out.paraphrased.append(concept.concept)
            continue
        out.missed.append(concept.concept)
    return out


def _status(usable: list[list[str]], phrases: list[list[str]]) -> str:
    negated = False
    for words in usable:
        stems = [stem(w) for w in words]
        for phrase in phrases:
            for i in _find(stems, phrase):
                if _argued_against(words, i, i + len(phrase)):
                    negated = True
                else:
                    return "found"
    return "negated" if negated else "missed"
