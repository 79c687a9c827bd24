"""Alert tiers for one window, from effect sizes rather than p-values alone.

Each check returns ``(tier, reason)``; the window takes the worst tier. The thresholds
are module constants, documented in ``docs/monitoring.md``.

Not every shift matters, and the tiers say so (the lesson of a benign shift): a check on
a feature reaches ALARM only when the model relies on the feature (its permutation
importance relative to the top feature's is at least ``RELIANCE``); and a check on a
distribution (feature or prediction drift) reaches ALARM only when performance moved too
(``Impact``: the estimated precision or recall against the reference's, or the realised
against the reference's realised). Otherwise it is capped at WARN, and the reason says
why. Data-quality checks on a relied-on feature (missing share, unseen categories, out of
range, a stuck feature) and the realised-vs-estimated gaps alarm on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OK, WARN, ALARM = "ok", "warn", "alarm"
TIERS = (OK, WARN, ALARM)

FEATURE_EFFECT = (0.1, 0.2)      # normed Wasserstein / Jensen-Shannon distance
SCORE_EFFECT = (0.1, 0.2)        # normed Wasserstein distance of the scores
MISSING_CHANGE = (0.05, 0.15)    # absolute change of a feature's missing share
UNSEEN_SHARE = (0.01, 0.05)      # share of rows with a category the model never saw
OUT_OF_RANGE = (0.01, 0.05)      # share of values outside the reference's range
VANISHED = (0.02, 0.05)          # reference share of categories gone from the window
PERFORMANCE_GAP = (0.08, 0.15)   # |realised - estimated| precision or recall
BASE_RATE_GAP = (0.04, 0.08)     # |realised - estimated| share of positives
MIN_LABELS = 300                 # labelled rows before realised numbers are trusted
MIN_POSITIVES = 30               # positives behind a gap (see _enough_positives)
MIN_Z = 3.0                      # a gap must also stand out from its sampling error
RELIANCE = 0.05                  # importance / top importance: below, "the model barely uses it"
PERFORMANCE_MOVE = 0.05          # fall of precision or recall against the reference's
BARELY_USED = "the model barely uses it"
HELD = "inputs moved; estimated performance held"


@dataclass(frozen=True)
class Impact:
    """What lets a drift check alarm: which features the model relies on (importance
    relative to the top feature's) and whether performance moved in the window."""

    reliance: dict[str, float] = field(default_factory=dict)
    moved: bool = True
    how: str = ""
    # What the model promised: precision and recall on its test split at training. A
    # realised fall far below it alarms even when nothing else moved (a leak the model
    # learnt offline: excellent test metrics, poor production, the estimate none the wiser).
    promised: dict[str, Any] | None = None

    def relied_on(self, name: str) -> bool:
        return self.reliance.get(name, 1.0) >= RELIANCE


def performance_moved(estimated: dict[str, Any] | None, baseline: dict[str, Any] | None,
                      realised: dict[str, Any] | None = None,
                      realised_baseline: dict[str, Any] | None = None
                      ) -> tuple[bool, str]:
    """Did precision or recall fall by ``PERFORMANCE_MOVE`` or more against the reference?
    Estimated against the reference's estimate; realised (with enough labels) against the
    reference's realised, and only beyond its sampling error. A rise is no harm: a shift
    that makes the model's job easier is not a reason to wake anyone."""
    for metric in ("precision", "recall"):
        if estimated and baseline and estimated.get(metric) is not None \
                and baseline.get(metric) is not None:
            if float(baseline[metric]) - float(estimated[metric]) >= PERFORMANCE_MOVE:
                return True, (f"estimated {metric} {estimated[metric]:.2f} against "
                              f"{baseline[metric]:.2f} in the reference")
    if realised and realised_baseline:
        counts = {"precision": realised["tp"] + realised["fp"],
                  "recall": realised["tp"] + realised["fn"]}
        for metric, n in counts.items():
            if n < MIN_POSITIVES or realised_baseline.get(metric) is None \
                    or realised.get(metric) is None:
                continue
            gap = _gap(realised, realised_baseline, metric, n)
            if gap is not None and gap >= PERFORMANCE_MOVE \
                    and realised[metric] < realised_baseline[metric]:
                return True, (f"realised {metric} {realised[metric]:.2f} against "
                              f"{realised_baseline[metric]:.2f} in the reference")
    return False, ""


def tier(value: float | None, bounds: tuple[float, float]) -> str:
    if value is None:
        return OK
    return ALARM if value >= bounds[1] else WARN if value >= bounds[0] else OK


def worst(tiers: list[str]) -> str:
    return max(tiers, key=TIERS.index, default=OK)


def assess(features: dict[str, dict[str, Any]], score_effect: float,
           estimated_labelled: dict[str, Any] | None, realised: dict[str, Any] | None,
           labelled: int, impact: Impact | None = None) -> tuple[str, list[str]]:
    """The window's tier and its reasons, worst first. Without ``impact`` every check may
    alarm (the model's reliance and the performance change unknown)."""
    impact = impact or Impact()
    found: list[tuple[str, str]] = []

    def check(value: float | None, bounds: tuple[float, float], reason: str,
              unit: str = "{:.2f}", cap: str = "") -> None:
        # Each reason says what moved, by how much, and the level it crossed; a capped
        # check says why it stopped at a warning.
        t = tier(value, bounds)
        if t == ALARM and cap:
            found.append((WARN, f"{reason} (alarm level {unit.format(bounds[1])}, kept at "
                                f"warn — {cap})"))
        elif t != OK:
            level = bounds[1] if t == ALARM else bounds[0]
            found.append((t, f"{reason} ({t} at {unit.format(level)})"))

    held = "" if impact.moved else HELD
    for name, f in features.items():
        if f["seasonal"]:
            continue  # the reference is matched on calendar features: not drift
        barely = "" if impact.relied_on(name) else BARELY_USED
        if f["drifted"]:
            check(f["effect"], FEATURE_EFFECT, f"{name} drifted: effect {f['effect']:.2f}",
                  cap=barely or held)
        check(abs(f["missing_delta"]), MISSING_CHANGE,
              f"{name} missing share {f['missing_delta']:+.2f}: {f['missing_share']:.0%} "
              f"against {f['missing_share'] - f['missing_delta']:.0%} in the reference",
              cap=barely)
        check(f.get("unseen_share"), UNSEEN_SHARE,
              f"{name} has unseen categories in {f.get('unseen_share', 0):.1%} of rows",
              "{:.0%}", cap=barely)
        check(f.get("out_of_range_share"), OUT_OF_RANGE,
              f"{name} outside the reference range in {f.get('out_of_range_share', 0):.1%} "
              "of rows", "{:.0%}", cap=barely)
        # Rows that vanished are decisions never made, however little the model uses the
        # feature that shows it: not capped by reliance. Categories replaced by unseen ones
        # are a rename (the rows are still there), so only the rest counts.
        silent = max(0.0, (f.get("vanished_share") or 0.0) - (f.get("unseen_share") or 0.0))
        check(silent, VANISHED, f"{name}: categories holding {silent:.0%} of the reference "
              "are gone (a segment went silent)", "{:.0%}")
        if f.get("constant"):
            # A feature that varied in training and no longer does: a dead feed or cache.
            found.append((WARN, f"{name} is stuck at one value (alarm, kept at warn — "
                                f"{barely})") if barely else
                         (ALARM, f"{name} is stuck at one value (alarm: it varied in the "
                                 "reference)"))
    check(score_effect, SCORE_EFFECT, f"prediction drift: effect {score_effect:.2f}",
          cap=held)

    if realised is not None and estimated_labelled is not None and labelled >= MIN_LABELS:
        positives = realised["tp"] + realised["fn"]
        alerted = realised["tp"] + realised["fp"]
        # The 30-positive rule, per check. Precision and recall are proportions of the
        # positives (and alerts): below 30 realised positives they are noise. The positive
        # rate is a proportion of all labelled rows: its standard error needs 30 positives
        # *expected from the scores*; counting realised ones would blind the check exactly
        # when positives vanish (a label feed stuck at 0, a prior shift down).
        expected_positives = (estimated_labelled.get("base_rate") or 0.0) * labelled
        if expected_positives >= MIN_POSITIVES:
            check(_gap(realised, estimated_labelled, "base_rate", labelled), BASE_RATE_GAP,
                  f"realised positive rate {realised['base_rate']:.0%} vs "
                  f"{estimated_labelled['base_rate']:.0%} expected from the scores",
                  "a gap of {:.2f}")
        if positives >= MIN_POSITIVES:
            for metric, n in (("precision", alerted), ("recall", positives)):
                check(_gap(realised, estimated_labelled, metric, n), PERFORMANCE_GAP,
                      f"realised {metric} {realised[metric]:.2f} vs estimated "
                      f"{estimated_labelled[metric]:.2f}", "a gap of {:.2f}")
        promised = impact.promised or {}
        for metric, n in (("precision", alerted), ("recall", positives)):
            if n < MIN_POSITIVES or promised.get(metric) is None \
                    or realised.get(metric) is None or realised[metric] >= promised[metric]:
                continue
            check(_gap(realised, promised, metric, n), PERFORMANCE_GAP,
                  f"realised {metric} {realised[metric]:.2f} vs {promised[metric]:.2f} on "
                  "the test split at training", "a gap of {:.2f}")
    tiers = [t for t, _ in found]
    order = sorted(found, key=lambda tr: -TIERS.index(tr[0]))
    return worst(tiers), [reason for _, reason in order]


def _gap(realised: dict[str, Any], estimated: dict[str, Any], key: str, n: int) -> float | None:
    """|realised - estimated| of a proportion over ``n`` rows, or None while it is within
    ``MIN_Z`` standard errors (noise, however large it looks in a small window)."""
    if realised.get(key) is None or estimated.get(key) is None or n <= 0:
        return None
    gap = abs(float(realised[key]) - float(estimated[key]))
    p = min(max(float(estimated[key]), 0.01), 0.99)
    standard_error = (p * (1 - p) / n) ** 0.5
    return gap if gap >= MIN_Z * standard_error else None


def inputs_moved(window: dict[str, Any]) -> bool:
    """Whether any input (or the scores) of a window moved enough to warn, whatever the
    model's reliance on it: the test behind "no input moved"."""
    for f in window["features"].values():
        if f["seasonal"]:
            continue
        if (f["drifted"] and f["effect"] >= FEATURE_EFFECT[0]) \
                or abs(f["missing_delta"]) >= MISSING_CHANGE[0] \
                or (f.get("unseen_share") or 0) >= UNSEEN_SHARE[0] \
                or (f.get("out_of_range_share") or 0) >= OUT_OF_RANGE[0] or f.get("constant"):
            return True
    return (window["prediction_drift"]["effect"] or 0) >= SCORE_EFFECT[0]


def base_rate_note(windows: list[dict[str, Any]], realised_rate: float | None,
                   expected_rate: float | None, labelled: int) -> str | None:
    """"No input moved; the realised positive rate did", when that is what the windows
    show: a prior shift. Ranking features would then only rank noise."""
    if not windows or realised_rate is None or expected_rate is None:
        return None
    if any(inputs_moved(w) for w in windows):
        return None
    gap = _gap({"base_rate": realised_rate}, {"base_rate": expected_rate}, "base_rate",
               labelled)
    if gap is None or gap < BASE_RATE_GAP[0] or expected_rate * labelled < MIN_POSITIVES:
        return None
    return (f"no input moved; the realised positive rate did: {realised_rate:.0%} against "
            f"{expected_rate:.0%} expected from the scores — a change in how often the "
            "outcome happens (a prior shift), not in any feature: the ranking below is "
            "noise")
