"""Claims checked against the run's monitoring result.

A claim holds when its value is within the statistic's tolerance of what the monitoring
measured in that window (and its baseline, if given, within tolerance of the reference).
It bears on the truth when it is about an injected feature or names a statistic the fault
moves, in a window at or after the onset; in a run with no fault, a holding claim bears
when it shows that nothing moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lab.grade.answers import FEATURE_STATISTICS, Claim
from lab.grade.evidence import RunEvidence

# Absolute tolerance per statistic; a claim also holds within 10% of the observed value.
TOLERANCE = {"missing_share": 0.03, "effect": 0.05, "unseen_share": 0.03,
             "out_of_range_share": 0.03, "base_rate": 0.03, "realised_precision": 0.05,
             "realised_recall": 0.05, "estimated_precision": 0.05, "estimated_recall": 0.05,
             "alert_rate": 0.02, "score_mean": 0.03, "p99_ms": 5.0}
RELATIVE_TOLERANCE = 0.10

# The statistics each kind of fault moves (per drift kind, then per category).
MOVED_BY_KIND = {
    "missing_values": {"missing_share", "realised_recall", "score_mean", "alert_rate"},
    "null_to_default": {"missing_share", "effect", "realised_recall", "score_mean",
                        "alert_rate"},
    "unit_change": {"effect", "out_of_range_share", "score_mean", "alert_rate",
                    "realised_precision", "estimated_precision"},
    "category_rename": {"unseen_share", "effect"},
    "covariate_shift": {"effect", "base_rate", "alert_rate", "score_mean"},
    "prior_shift": {"base_rate", "realised_recall", "realised_precision"},
    "concept_drift": {"realised_precision", "realised_recall", "estimated_precision",
                      "estimated_recall", "base_rate"},
}
MOVED_BY_CATEGORY = {"pipeline": {"missing_share", "effect", "out_of_range_share",
                                  "unseen_share"},
                     "covariate": {"effect"}, "prior": {"base_rate"},
                     "concept": {"realised_precision", "realised_recall"},
                     "service": {"p99_ms"}}

# Statistics whose *not* moving is the evidence (concept drift: the estimate stays flat).
STEADY_BY_KIND = {"concept_drift": {"estimated_precision", "estimated_recall"}}

HOLDS_AND_BEARS = 12.5  # points per claim that holds and bears on the truth
FALSE_CLAIM = -5.0       # a claim the run contradicts costs points


@dataclass(frozen=True)
class ClaimCheck:
    claim: dict[str, Any]
    observed: float | None
    observed_baseline: float | None
    holds: bool | None  # None: cannot be checked
    bears: bool
    points: float
    why: str


def moved_statistics(truth: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for t in truth:
        out |= MOVED_BY_KIND.get(t["kind"], MOVED_BY_CATEGORY.get(t["category"], set()))
    return out


def steady_statistics(truth: list[dict[str, Any]]) -> set[str]:
    return set().union(*(STEADY_BY_KIND.get(t["kind"], set()) for t in truth))


def observe(claim: Claim, monitoring: dict[str, Any]) -> tuple[float | None, float | None, str]:
    """(value in the window, value in the reference, why not if it cannot be read)."""
    windows = monitoring.get("windows", [])
    if not 0 <= claim.window < len(windows):
        return None, None, f"window {claim.window} does not exist (0 to {len(windows) - 1})"
    win, ref = windows[claim.window], monitoring.get("reference", {})
    stat = claim.statistic
    if stat in FEATURE_STATISTICS:
        feature = win["features"].get(claim.feature)
        if feature is None:
            return None, None, f"{claim.feature} is not monitored"
        value = feature.get(stat)
        baseline = (value - feature.get("missing_delta", 0.0) if stat == "missing_share"
                    and value is not None else 0.0)
        return value, baseline, "" if value is not None else f"{stat} was not measured"
    first = windows[0]
    if stat == "p99_ms":
        service = win.get("service") or {}
        if "p99_ms" not in service:
            return None, None, "the monitoring has no service section: p99 cannot be checked"
        return service["p99_ms"], (first.get("service") or {}).get("p99_ms"), ""
    if stat == "score_mean":
        return (win["prediction_drift"]["score_mean"], first["prediction_drift"]["score_mean"],
                "")
    if stat == "alert_rate":
        return win["alert_rate"], ref.get("alert_rate"), ""
    if stat == "base_rate":
        realised = win.get("realised")
        if not realised:
            return None, None, f"window {claim.window} has too few labels for a base rate"
        return realised["base_rate"], ref.get("base_rate"), ""
    source, metric = stat.split("_", 1)
    block = win.get(source)
    if not block or block.get(metric) is None:
        return None, None, f"window {claim.window} has no {source} {metric} (too few labels)"
    return block[metric], ref.get(metric), ""


def _close(claimed: float, observed: float, stat: str) -> bool:
    return abs(claimed - observed) <= max(TOLERANCE[stat], RELATIVE_TOLERANCE * abs(observed))


def check_claim(claim: Claim, evidence: RunEvidence) -> ClaimCheck:
    observed, baseline, missing = observe(claim, evidence.monitoring)
    what = (f"{claim.feature} " if claim.feature else "") + \
        f"{claim.statistic} in window {claim.window}"
    tol = f"±{TOLERANCE[claim.statistic]:g} or {RELATIVE_TOLERANCE:.0%}"
    if observed is None:
        return ClaimCheck(claim.model_dump(), None, None, None, False, 0.0,
                          f"{what}: cannot be checked ({missing}).")
    holds = _close(claim.value, observed, claim.statistic)
    if holds and claim.baseline is not None and baseline is not None:
        holds = _close(claim.baseline, baseline, claim.statistic)
    said = f"{what}: you said {claim.value:g}" + (
        f" (from {claim.baseline:g})" if claim.baseline is not None else "")
    seen = f"the run shows {observed:.3g}" + (
        f" (reference {baseline:.3g})" if baseline is not None else "")
    if not holds:
        return ClaimCheck(claim.model_dump(), observed, baseline, False, False, FALSE_CLAIM,
                          f"{said}; {seen}: false (tolerance {tol}), {FALSE_CLAIM:g} points.")
    bears, reason = _bears(claim, observed, baseline, evidence)
    return ClaimCheck(claim.model_dump(), observed, baseline, True, bears,
                      HOLDS_AND_BEARS if bears else 0.0, f"{said}; {seen}: holds, {reason}.")


def _bears(claim: Claim, observed: float, baseline: float | None,
           evidence: RunEvidence) -> tuple[bool, str]:
    truth = evidence.truth
    if not truth:  # a control run: the evidence is that nothing moved
        still = baseline is None or _close(observed, baseline, claim.statistic)
        return still, ("and shows nothing moved" if still else
                       "but nothing was injected: this movement is noise")
    if not evidence.window_after_onset(claim.window):
        return False, "but the window is before the fault began"
    # A concept drift's "features" are the ones whose weight changed, not inputs that moved.
    inputs_changed = {f for t in truth if t["category"] != "concept" for f in t["features"]}
    relevant = claim.feature in inputs_changed or claim.statistic in moved_statistics(truth)
    if not relevant:
        return False, "but it does not bear on what happened"
    if claim.statistic in steady_statistics(truth):
        return True, "and its staying put is part of the signature of this fault"
    if baseline is not None and _close(observed, baseline, claim.statistic):
        return False, "but it did not move from the reference, so it shows nothing"
    if claim.feature in inputs_changed:
        return True, "and it shows the feature that was changed moving"
    return True, "and the fault moves this statistic"
