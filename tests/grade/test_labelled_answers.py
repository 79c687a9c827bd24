"""A labelled set of answers per scenario family, graded against a real (small) run.

Bounds, kept on purpose: strong >= 80, correct choices with a keyword salad <= 40,
fluent but wrong <= 30, empty == 0. Each family trains once and grades all its answers.
"""

from __future__ import annotations

import pytest

from lab.grade import Answers, Claim, best_threshold, evidence_claims, grade
from lab.scenario import load_scenario

STRONG, SALAD, FLUENT_WRONG, EMPTY = 80, 40, 30, 0

WHY = ("I chose {t:.3f} because on {data} it gives the lowest expected cost a day, with "
       "150 EUR for a missed breach against 20 EUR for a false positive: the costs ask for "
       "recall over precision. At 0.5 the cost per day would be far higher.")

FAMILIES = {
    "pipeline": {
        "scenario": "sla-flagging-dropped-tuesday",
        "choices": dict(features=["team_load"], kind="pipeline", root_cause="broken-join",
                        action="fix-pipeline"),
        "strong": [
            "From window 3 on, team_load's missing share jumped from 0 to about 0.68 while "
            "every other feature stayed put. That is a broken join in the feature pipeline "
            "after the workforce migration, not a busier team. Realised recall fell to 0.26 "
            "in window 4 because the model lost its load signal, so breaches were missed. "
            "I would fix the join, add a data quality check on the null rate of team_load at "
            "the boundary, and keep the model and its clean-data threshold.",
            "Roughly 70% of rows have had no team_load since Wednesday (window 3), against 0% "
            "in the reference: nulls, not a real change in load. The upstream join with the "
            "workforce system must have broken, since the other features show effect sizes "
            "below 0.1. Because the model now sees missing load for most tickets, false "
            "negatives grew and realised recall dropped to about 0.3. The remedy is to repair "
            "the pipeline and add a completeness check on team_load; retraining would only "
            "teach the model to live without the feature.",
        ],
        "salad": "missing values join data quality recall nulls pipeline null rate team_load",
        "wrong": dict(features=["open_backlog", "team_load"], kind="covariate",
                      root_cause="busier-team", action="retrain", threshold=0.5,
                      claims=[Claim(feature="open_backlog", statistic="effect", window=4,
                                    value=0.5)],
                      justification="The support team really became busier from window 3, as "
                      "open_backlog and team_load both rose. The model has never seen such busy "
                      "queues, so I would retrain it on the last two weeks of data and accept "
                      "the new load as the normal state of the desk."),
    },
    "prior": {
        "scenario": "sla-breaches-pile-up",
        "choices": dict(features=[], kind="prior", root_cause="base-rate-rise",
                        action="re-threshold"),
        "strong": [
            "The inputs and the score distribution stayed put after window 3, but the "
            "realised base rate rose from 0.09 to about 0.23. That is a prior shift caused "
            "by the incident wave, not a model or pipeline fault. Realised recall fell from "
            "0.75 to 0.49 in window 5 because more tickets breach at the same scores, while "
            "realised precision rose to 0.7 as false positives became rarer. I would lower "
            "the threshold to the cost-optimal operating point on current labels for the "
            "duration of the incident, and revert it when the base rate returns to normal.",
            "Since Wednesday (window 3) the share of tickets that breach roughly doubled while "
            "no feature's effect size passed 0.1: label shift, with the inputs and the "
            "ranking unchanged. Missed breaches grew as recall dropped to about 0.5 in window "
            "5, because the cut-off was set for a prevalence of 0.1. I would re-threshold to "
            "a lower cut-off chosen by expected cost on the new labels, and treat the change "
            "in window 3 as transient, to revert once the wave is over.",
        ],
        "salad": "prior shift base rate threshold recall precision temporary re-threshold",
        "wrong": dict(features=["team_load"], kind="pipeline", root_cause="broken-join",
                      action="fix-pipeline",
                      claims=[Claim(feature="team_load", statistic="missing_share", window=4,
                                    value=0.6)],
                      justification="From window 3 on the team_load feed broke and its "
                      "missing share went up to 0.6, so the join in the pipeline failed. I "
                      "would fix the join and keep the threshold that was chosen on clean "
                      "data, because the model itself is fine."),
    },
    "concept": {
        "scenario": "sla-escalations-miss-real-breaches",
        "choices": dict(features=["customer_tier", "minutes_to_first_response", "priority",
                                  "product_area", "team_load"],
                        kind="concept", root_cause="sla-policy-change", action="retrain"),
        "strong": [
            "No input drifted after window 3 (every effect size stayed under 0.1) and the "
            "estimated precision stayed near 0.40, yet the labels show realised precision "
            "falling to 0.30 in window 3. A gap between estimated performance and realised "
            "performance with stable inputs means concept drift: P(y|x) changed when the "
            "new SLA policy arrived. Realised recall in window 4 moved as well, because the "
            "model still weighs first-response time. I would retrain on labelled data from "
            "after the change, re-choose the threshold by expected cost on it, and keep "
            "label-based monitoring.",
            "Since Wednesday the ground truth disagrees with the model: realised precision is "
            "0.30 in window 3 against an estimate of 0.39 from the calibrated scores. The "
            "inputs look the same (effect sizes below 0.1), so the relationship changed "
            "rather than the data, and the confidence-based estimate in window 3 cannot see "
            "it. The policy now ties breaches to product_area, so missed breaches shift as "
            "well, and I would refit the model on recent data with the new labels.",
        ],
        "salad": "concept drift labels estimated performance retrain recall CBPE",
        "wrong": dict(features=["customer_tier"], kind="covariate",
                      root_cause="customer-mix-change", action="nothing", threshold=0.5,
                      claims=[Claim(feature="customer_tier", statistic="effect", window=4,
                                    value=0.4)],
                      justification="The customer mix moved towards enterprise in window 4, "
                      "with customer_tier's effect size at 0.4. The model already knows how "
                      "tier affects breaches, so I would leave it alone and keep going."),
    },
    "control": {
        "scenario": "sla-dashboard-wiggles",
        "choices": dict(features=[], kind="none", root_cause="no-fault", action="nothing"),
        "strong": [
            "Every feature's effect size stays below 0.1 in all windows, and realised "
            "precision and recall match the estimate within a few points. The alerts on "
            "window 0 are sampling noise and the weekly seasonality of a small shift, not a "
            "fault. With thousands of rows per window a p-value flags any wiggle, so this is "
            "a false alarm; I would do nothing to the model and key the alert on effect size "
            "to avoid alert fatigue.",
            "Nothing moved in a way that matters: effect sizes are under 0.05 for most "
            "features in windows 2 to 5, and the realised base rate stays near 0.09 on "
            "weekdays. The differences between windows are random fluctuation and the weekly "
            "cycle, and their magnitude is too small to matter. The alarm in window 0 is a "
            "false alarm caused by significance at scale, so I would leave the model and "
            "threshold alone.",
        ],
        "salad": "noise effect size false alarm seasonality p-value alert fatigue",
        "wrong": dict(features=["team_load"], kind="pipeline", root_cause="broken-join",
                      action="fix-pipeline", threshold=0.5,
                      claims=[Claim(feature="team_load", statistic="missing_share", window=4,
                                    value=0.5)],
                      justification="team_load went missing in window 4, with a missing "
                      "share of 0.5, so the join in the pipeline broke. I would fix the "
                      "pipeline and retrain the model on the repaired data afterwards."),
    },
}


def _sheets(family: dict, scenario, evidence) -> dict[str, Answers]:
    best = best_threshold(scenario, evidence)
    data = ("clean data" if scenario.questions.answer.threshold_rule == "clean-data" else
            "the labelled production since the change")
    claims = evidence_claims(evidence)
    sheets = {}
    for i, text in enumerate(family["strong"]):
        # The second strong candidate reads the operating point a little differently.
        threshold = best if i == 0 else min(1.0, best * 1.03)
        sheets[f"strong{i}"] = Answers(**family["choices"], threshold=threshold,
                                       claims=claims[::-1] if i else claims,
                                       justification=text,
                                       threshold_why=WHY.format(t=threshold, data=data))
    sheets["salad"] = Answers(**family["choices"], justification=family["salad"],
                              threshold_why="cost capacity precision recall base rate")
    sheets["wrong"] = Answers(**family["wrong"])
    sheets["empty"] = Answers()
    return sheets


@pytest.fixture(scope="module", params=sorted(FAMILIES))
def graded(request, runs):
    family = FAMILIES[request.param]
    scenario = load_scenario(family["scenario"])
    evidence = runs.evidence(family["scenario"])
    return request.param, {name: grade(scenario, sheet, evidence)
                           for name, sheet in _sheets(family, scenario, evidence).items()}


def _explain(results) -> str:
    return "\n".join(f"{name}: {r.total} " + "; ".join(f"{p.name} {p.points}: {p.why[:160]}"
                                                      for p in r.parts)
                     for name, r in results.items())


@pytest.mark.slow
def test_answers_separate_by_understanding(graded):
    family, results = graded
    why = f"{family}\n{_explain(results)}"
    print(family, {name: r.total for name, r in results.items()})
    assert results["strong0"].total >= STRONG, why
    assert results["strong1"].total >= STRONG, why
    assert results["salad"].total <= SALAD, why
    assert results["salad"].part("justification").points == 0, why
    assert results["wrong"].total <= FLUENT_WRONG, why
    assert results["empty"].total == EMPTY, why
    assert min(results["strong0"].total, results["strong1"].total) - results["salad"].total \
        >= 40, why
