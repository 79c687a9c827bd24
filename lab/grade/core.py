"""The whole sheet: every part returns its points, its maximum and why.

| part          | points | how |
|---------------|-------:|-----|
| features      | 10 | F1 of the selected features against the injected ones |
| kind          |  5 | exact: the truth's category, or none |
| root_cause    | 10 | exact: the scenario's answer key |
| action        | 10 | one of the key's accepted actions |
| claims        | 25 | +12.5 per claim that holds on the run and bears on the truth; -5 if false |
| threshold     | 15 | smooth regret against the key's operating-point rule, capacity respected |
| justification | 20 | rubric concepts stated in sentences that name evidence |
| threshold_why |  5 | threshold concepts (cost, capacity, precision/recall...) the same way |

An unanswered part scores 0 and says so. Without a claim that holds, the two text parts
are capped at a third of their points: words without checked evidence are cheap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from lab.grade.answers import Answers, Claim
from lab.grade.claims import HOLDS_AND_BEARS, check_claim, moved_statistics, observe
from lab.grade.evidence import RunEvidence
from lab.grade.scores import round_score
from lab.grade.service import service_parts
from lab.grade.text import find_concepts
from lab.grade.threshold import check_threshold
from lab.scenario import AnswerKey, Concept, Scenario

# Choices are cheap to guess, so they are worth 35; checked evidence and reasoning 65.
WEIGHTS = {"features": 10, "kind": 5, "root_cause": 10, "action": 10, "claims": 25,
           "threshold": 15, "justification": 20, "threshold_why": 5}
TEXT_CAP_WITHOUT_CLAIM = 1 / 3
THRESHOLD_RUBRIC = (
    Concept(concept="cost", synonyms=["expected cost", "cost per day", "cheaper", "costs"]),
    Concept(concept="capacity", synonyms=["review capacity", "reviewers", "workload"]),
    Concept(concept="precision", synonyms=["false positives", "false alarms"]),
    Concept(concept="recall", synonyms=["missed breaches", "false negatives"]),
    Concept(concept="base rate", synonyms=["prevalence", "prior", "breach rate"]),
)
UNANSWERED = "Unanswered: 0 points."


@dataclass(frozen=True)
class Part:
    name: str
    points: float
    maximum: int
    why: str


@dataclass
class Grade:
    scenario: str
    total: float
    parts: list[Part]
    truth: list[dict[str, Any]]
    best: dict[str, Any] | None
    yours: dict[str, Any] | None
    concepts_found: list[str] = field(default_factory=list)
    concepts_missed: list[str] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    threshold_rule: str = ""
    notes: list[str] = field(default_factory=list)
    debrief: str = ""
    model_answer: str = ""
    hints_taken: int = 0
    score_cap: float | None = None  # the hints' cap, when one applied (HINT_CAPS)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["parts"] = [asdict(p) for p in self.parts]
        return out

    def part(self, name: str) -> Part:
        return next(p for p in self.parts if p.name == name)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Grade:
        """A grade as :meth:`to_dict` saved it (a past attempt, reopened)."""
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        values["parts"] = [Part(**p) for p in data.get("parts", [])]
        return cls(**values)


def _part(name: str, fraction: float, why: str) -> Part:
    return Part(name, round_score(WEIGHTS[name] * max(0.0, min(1.0, fraction))), WEIGHTS[name],
                why)


def option_order(scenario: Scenario, seed: int) -> list[str]:
    """The root-cause options in the order this attempt shows them (same seed, same order)."""
    ids = [o.id for o in scenario.questions.root_causes]
    tag = sum(scenario.id.encode())  # stable across processes, unlike hash()
    rng = np.random.default_rng([int(seed), tag])
    return [ids[i] for i in rng.permutation(len(ids))]


# -- the choices ----------------------------------------------------------------------

def grade_features(selected: list[str] | None, injected: list[str], kind: str | None) -> Part:
    if selected is None:
        return _part("features", 0, UNANSWERED)
    chosen, truth = set(selected), set(injected)
    if not truth:
        if chosen:
            return _part("features", 0, f"No feature changed; you selected {sorted(chosen)}.")
        if kind is None:  # an untouched form selects nothing: that is not an answer
            return _part("features", 0, "No feature selected and no kind chosen: unanswered.")
        return _part("features", 1, "No feature changed, and you selected none.")
    hits = chosen & truth
    precision = len(hits) / len(chosen) if chosen else 0.0
    recall = len(hits) / len(truth)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    why = f"F1 {f1:.2f}: found {sorted(hits) or 'none'}"
    if truth - chosen:
        why += f"; missed {sorted(truth - chosen)}"
    if chosen - truth:
        why += f"; not changed: {sorted(chosen - truth)}"
    return _part("features", f1, why + ".")


def grade_kind(answer: str | None, truth_kinds: list[str]) -> Part:
    if answer is None:
        return _part("kind", 0, UNANSWERED)
    expected = truth_kinds[0] if truth_kinds else "none"
    ok = answer in truth_kinds or (not truth_kinds and answer == "none")
    return _part("kind", ok, f"Right: {expected}." if ok else
                 f"It was {expected}, not {answer}.")


def grade_root_cause(answer: str | None, key: AnswerKey, options: dict[str, str]) -> Part:
    if answer is None:
        return _part("root_cause", 0, UNANSWERED)
    ok = answer == key.root_cause
    return _part("root_cause", ok, f"Right: {options[key.root_cause]}." if ok else
                 f"The root cause was \"{options[key.root_cause]}\", not "
                 f"\"{options.get(answer, answer)}\".")


def grade_action(answer: str | None, key: AnswerKey) -> Part:
    if answer is None:
        return _part("action", 0, UNANSWERED)
    ok = answer in key.actions
    return _part("action", ok, f"Accepted ({', '.join(key.actions)})." if ok else
                 f"Accepted actions are {', '.join(key.actions)}; {answer} is not one of them.")


# -- the evidence ---------------------------------------------------------------------

def grade_claims(claims: list[Claim], evidence: RunEvidence) -> tuple[Part, list[dict], bool]:
    """(part, every claim's check, whether any claim holds)."""
    if not claims:
        return _part("claims", 0, UNANSWERED + " Claims are checked against your run."), [], \
            False
    seen, checks = set(), []
    for claim in claims:
        key = (claim.feature, claim.statistic, claim.window)
        if key in seen:
            continue  # the same claim twice counts once
        seen.add(key)
        checks.append(check_claim(claim, evidence))
    points = sum(c.points for c in checks)
    held = sum(bool(c.holds) for c in checks)
    false = sum(c.holds is False for c in checks)
    why = (f"{held} of {len(checks)} claims hold, {sum(c.bears for c in checks)} bear on what "
           f"happened, {false} false. " + " ".join(c.why for c in checks))
    part = _part("claims", points / WEIGHTS["claims"], why)
    return part, [asdict(c) for c in checks], held > 0


def grade_text(name: str, text: str, rubric, features: list[str], capped: bool):
    if not text.strip():
        return _part(name, 0, UNANSWERED), None
    result = find_concepts(text, rubric, features)
    total = len(rubric)
    fraction = (len(result.found) + 0.5 * len(result.paraphrased)) / total
    why = (f"{result.evidence_sentences} of {result.sentences} sentences name evidence. "
           f"Concepts stated with evidence: {result.found or 'none'}")
    if result.paraphrased:
        why += f"; paraphrased (half credit): {result.paraphrased}"
    if result.negated:
        why += f"; argued against or negated (not credited): {result.negated}"
    if result.missed:
        why += f"; missed: {result.missed}"
    why += "."
    if not result.sentences:
        why = "No sentence: a list of keywords scores nothing. " + why
    if capped and fraction > TEXT_CAP_WITHOUT_CLAIM:
        fraction = TEXT_CAP_WITHOUT_CLAIM
        why += f" Capped at {TEXT_CAP_WITHOUT_CLAIM:.0%}: no claim held on your run."
    return _part(name, fraction, why), result


def grade_threshold_part(answers: Answers, scenario: Scenario, evidence: RunEvidence):
    key, costs = scenario.questions.answer, scenario.costs
    if answers.threshold is None:
        return _part("threshold", 0, UNANSWERED), None
    rule = key.threshold_rule
    if rule == "clean-data" and evidence.clean is not None:
        y, scores = evidence.clean
    else:
        rule = "re-optimise"
        y, scores = evidence.current()
    if len(y) == 0 or y.min() == y.max():
        return _part("threshold", 0, "Cannot be judged: the run has no labelled rows of both "
                                     "classes yet."), None
    check = check_threshold(answers.threshold, rule, y, scores, costs.false_positive,
                            costs.false_negative, evidence.rows_per_day,
                            costs.review_capacity_per_day, costs.currency)
    return _part("threshold", check.fraction, check.why), check


# -- the whole sheet --------------------------------------------------------------------

def grade(scenario: Scenario, answers: Answers, evidence: RunEvidence,
          outcome: Part | None = None) -> Grade:
    """Grade an answer sheet against the run the candidate saw.

    ``outcome`` is the part a remedy earned on the week after (lab.grade.outcome), when
    the candidate applied one; it joins the parts and the total stays out of 100.
    """
    key = scenario.questions.answer
    options = {o.id: o.text for o in scenario.questions.root_causes}
    truth = evidence.truth
    injected = sorted({f for t in truth for f in t["features"]})
    names = scenario.world_.schema.names
    claims, checks, any_held = grade_claims(answers.claims, evidence)
    threshold, check = grade_threshold_part(answers, scenario, evidence)
    justification, text = grade_text("justification", answers.justification, key.rubric,
                                     names, capped=not any_held)
    rubric = key.threshold_rubric or THRESHOLD_RUBRIC
    why_part, _ = grade_text("threshold_why", answers.threshold_why, rubric, names,
                             capped=not any_held)
    parts = [grade_features(answers.features, injected, answers.kind),
             grade_kind(answers.kind, data_categories(truth)),
             grade_root_cause(answers.root_cause, key, options),
             grade_action(answers.action, key), claims, threshold, justification, why_part,
             *service_parts(scenario, answers, evidence),
             *([outcome] if outcome is not None else [])]
    notes = []
    if text is not None and not text.paraphrase_available:
        notes.append("Paraphrase matching is off (wordllama could not load offline): "
                     "concepts were matched by word stems and synonyms only.")
    # Out of 100 whatever the parts: a serving scenario adds service parts to the usual ones.
    maximum = sum(p.maximum for p in parts)
    total, cap = capped_by_hints(round_score(100 * sum(p.points for p in parts) / maximum),
                                 answers.hints_taken)
    if answers.hints_taken:
        notes.insert(0, hint_cap_note(answers.hints_taken, cap))
    return Grade(scenario.id, total, parts, truth,
                 check.best.to_dict() if check else None,
                 check.yours.to_dict() if check else None,
                 text.found + text.paraphrased if text else [],
                 text.missed if text else [c.concept for c in key.rubric],
                 checks, key.threshold_rule, notes, key.debrief, key.model_answer,
                 answers.hints_taken, cap if answers.hints_taken else None)


# Each staged hint taken lowers the best score an attempt can reach: the first nudge
# still leaves a strong diagnosis 85, the near-answer of the third 55.
HINT_CAPS = (100.0, 85.0, 70.0, 55.0)


def capped_by_hints(total: float, hints_taken: int) -> tuple[float, float]:
    """The total under the cap of ``hints_taken`` hints, and that cap."""
    cap = HINT_CAPS[min(max(int(hints_taken), 0), len(HINT_CAPS) - 1)]
    return min(total, cap), cap


def hint_cap_note(hints_taken: int, cap: float) -> str:
    plural = "hint" if hints_taken == 1 else "hints"
    return (f"{hints_taken} {plural} taken: the score is capped at {cap:g} "
            f"(caps: {', '.join(f'{c:g}' for c in HINT_CAPS)} for 0-3 hints).")


def best_threshold(scenario: Scenario, evidence: RunEvidence) -> float:
    """The threshold the key's rule calls right for this run."""
    probe = Answers(threshold=0.5)
    _, check = grade_threshold_part(probe, scenario, evidence)
    return check.best.threshold


def evidence_claims(evidence: RunEvidence, limit: int = 2) -> list[Claim]:
    """Claims a strong candidate would make: true, and about what the fault moved."""
    windows = evidence.monitoring["windows"]
    last = len(windows) - 1
    injected = sorted({f for t in evidence.truth if t["category"] != "concept"
                       for f in t["features"]})
    moved = sorted(moved_statistics(evidence.truth)) or ["effect"]
    candidates = [(f, s) for f in injected for s in ("missing_share", "out_of_range_share",
                                                      "effect", "unseen_share")]
    candidates += [(None, s) for s in moved if s in ("base_rate", "realised_precision",
                                                      "realised_recall", "alert_rate",
                                                      "score_mean")]
    if not evidence.truth:
        candidates = [(None, "alert_rate"), (None, "score_mean")]
    out = []
    for feature, stat in candidates:
        for index in range(last, -1, -1):
            claim = Claim(feature=feature, statistic=stat, window=index, value=0.0)
            value, baseline, _ = observe(claim, evidence.monitoring)
            if value is None:
                continue
            claim = claim.model_copy(update={"value": round(value, 3)})
            if check_claim(claim, evidence).points == HOLDS_AND_BEARS:
                out.append(claim)
                break
        if len(out) == limit:
            break
    return out


def data_categories(truth: list[dict[str, Any]]) -> list[str]:
    """The kinds of data problem in a truth: a service fault (slow, surge...) is none."""
    return [t["category"] for t in truth if t["category"] != "service"]


def model_answers(scenario: Scenario, evidence: RunEvidence) -> Answers:
    """The answer sheet a grader's key would fill in for this run."""
    key = scenario.questions.answer
    truth = evidence.truth
    kinds = data_categories(truth)
    return Answers(features=sorted({f for t in truth for f in t["features"]}),
                   kind=kinds[0] if kinds else "none", root_cause=key.root_cause,
                   action=key.actions[0], threshold=best_threshold(scenario, evidence),
                   claims=evidence_claims(evidence), justification=key.model_answer)
