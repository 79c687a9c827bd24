"""One example of every registered fault kind, on the support-tickets world.

The parameters are the ones a lesson would pick: large enough to see in a plot of one
week, and each aimed at the feature where the fault usually bites (a broken join on the
queue's load, a unit change on a duration). A kind registered in :data:`lab.drift.DRIFTS`
without an example here fails :func:`example_plan` (and its test), so the taxonomy
cannot silently leave a new kind out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from lab.drift import DRIFTS, Injector, make_injector
from lab.worlds.base import World

WORLD = "support_tickets"

EXAMPLES: dict[str, dict[str, Any]] = {
    "covariate_shift": {"feature": "customer_tier",
                        "mix": {"free": 0.3, "pro": 0.3, "enterprise": 0.4}},
    "prior_shift": {"base_rate": 0.35},
    "concept_drift": {"weights": {"minutes_to_first_response": 0.0, "priority": 0.0,
                                  "product_area": 3.0}},
    "unit_change": {"feature": "minutes_to_first_response", "factor": 60, "unit": "seconds"},
    "missing_values": {"feature": "team_load", "rate": 0.9},
    "null_to_default": {"feature": "minutes_to_first_response", "default": 0},
    "category_rename": {"feature": "priority", "mapping": {"P1": "urgent", "P2": "high"}},
    "stuck_feature": {"feature": "team_load"},
    "unseen_category": {"feature": "product_area", "value": "ai_assistant", "share": 0.3,
                        "effect": 1.0},
    "schema_change": {"feature": "watchers", "rename_to": "watcher_count",
                      "segment": {"channel": ["chat"]}},
    "training_serving_skew": {"feature": "team_load", "scale": 0.5, "noise": 0.3},
    "label_leakage": {"feature": "watchers", "strength": 2.0},
    "feedback_loop": {"labelled": "alerted", "audit_rate": 0.05},
    "label_outage": {"rate": 1.0},
    "benign_shift": {"feature": "description_length", "tilt": 1.5},
    "benign_seasonality": {"like_weekday": 6},
}


def example_plan(world: World, kinds: Iterable[str] | None = None, onset: float = 0.5,
                 seed: int = 0) -> list[Injector]:
    """An injector per kind (every registered kind by default, in registry order), each
    with its example's parameters, a sudden onset at ``onset`` and its own seed."""
    if world.kind != WORLD:
        raise ValueError(f"world: the examples are written for {WORLD!r}, got {world.kind!r}")
    kinds = list(DRIFTS) if kinds is None else list(kinds)
    unknown = [k for k in kinds if k not in DRIFTS]
    if unknown:
        raise ValueError(f"kinds: unknown fault kind(s) {unknown}; allowed: {list(DRIFTS)}")
    missing = [k for k in kinds if k not in EXAMPLES]
    if missing:
        raise ValueError(f"kinds: no example for {missing}: add one to lab.taxonomy.EXAMPLES")
    seeds = np.random.SeedSequence([seed, 3]).generate_state(max(1, len(kinds)))
    return [make_injector(kind, **EXAMPLES[kind], onset=onset, seed=int(s))
            for kind, s in zip(kinds, seeds)]
