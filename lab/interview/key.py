"""What only the interviewer sees: the truth of the plan, the answer key, the rubric, the
debrief, the hints; and the list of those strings a candidate's page must never show
(the security tests read it)."""

from __future__ import annotations

from typing import Any

from lab.scenario import Scenario


def planned_truth(scenario: Scenario) -> list[dict[str, Any]]:
    """The drift plan as the interviewer reads it (before any run: not yet measured)."""
    world = scenario.world_
    out = []
    for step, injector in zip(scenario.drift, scenario.injectors()):
        out.append({"kind": injector.kind, "category": injector.category,
                    "features": injector.features_of(world),
                    "onset": step.get("onset", 0.5), "shape": injector.shape,
                    "root_cause": injector.root_cause(world)})
    return out


def answer_key(scenario: Scenario) -> dict[str, Any]:
    q = scenario.questions
    key = q.answer
    options = {o.id: o.text for o in q.root_causes}
    return {
        "truth": planned_truth(scenario),
        "root_cause": options[key.root_cause],
        "actions": list(key.actions),
        "threshold_rule": key.threshold_rule,
        "rubric": [c.concept + (f" ({', '.join(c.synonyms)})" if c.synonyms else "")
                   for c in key.rubric],
        "debrief": key.debrief.strip(),
        "model_answer": key.model_answer.strip(),
        "hints": list(q.hints),
        "service": key.service.model_dump() if key.service else None,
    }


def hidden_strings(scenario: Scenario, hints_given: int = 0, notes: list[str] = (),
                   drift: list[dict[str, Any]] | None = None) -> list[str]:
    """Strings no candidate page may contain during a live session: the truth's root
    causes (of the scenario's plan and of the override), the debrief, the model answer,
    the hints not given yet and the interviewer's notes."""
    from lab.interview.faults import scenario_with_drift

    plans = [scenario] + ([scenario_with_drift(scenario, drift)] if drift else [])
    out = [t["root_cause"] for s in plans for t in planned_truth(s)]
    key = scenario.questions.answer
    out += [key.debrief.strip(), key.model_answer.strip()]
    out += list(scenario.questions.hints[hints_given:])
    out += [n for n in notes if n.strip()]
    return [s for s in out if s]
