"""The follow-up bank (followups.yaml beside this module): questions per stage and topic,
each with what a strong answer contains, for the interviewer to ask and mark."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from lab.interview.timeline import STAGES
from lab.scenario import TOPICS

BANK = Path(__file__).with_name("followups.yaml")


@dataclass(frozen=True)
class FollowUp:
    id: str
    stage: str
    topic: str
    question: str
    strong: str


@cache
def bank() -> tuple[FollowUp, ...]:
    """Every question of the bank, checked: a bad entry names its index and field."""
    raw = yaml.safe_load(BANK.read_text(encoding="utf-8"))
    out: list[FollowUp] = []
    for i, entry in enumerate(raw):
        try:
            item = FollowUp(**entry)
        except TypeError as exc:
            raise ValueError(f"{BANK.name}[{i}]: {exc}") from None
        if item.stage not in STAGES:
            raise ValueError(f"{BANK.name}[{i}].stage: {item.stage!r} not in {list(STAGES)}")
        if item.topic not in TOPICS:
            raise ValueError(f"{BANK.name}[{i}].topic: {item.topic!r} not in {list(TOPICS)}")
        out.append(item)
    if len({q.id for q in out}) != len(out):
        raise ValueError(f"{BANK.name}: question ids must be unique")
    return tuple(out)


def by_id(question_id: str) -> FollowUp:
    for q in bank():
        if q.id == question_id:
            return q
    raise ValueError(f"follow-up: no question {question_id!r}")


def for_scenario(topics: list[str]) -> list[FollowUp]:
    """The bank in stage order, the scenario's own topics first within each stage."""
    return sorted(bank(), key=lambda q: (STAGES.index(q.stage), q.topic not in topics))
