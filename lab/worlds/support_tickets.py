"""Support tickets in an issue tracker; the label is whether the ticket breaches its SLA.

The model scores a ticket when an agent first responds to it. The causal story:
the customer's tier and the ticket's priority set how closely it is watched and how
strict its SLA is; the time of day sets the open backlog, the backlog and the agents on
shift set the team's load, and the load and priority set how fast the first response
comes. A breach is likelier for urgent, complex tickets answered late by a busy team.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.worlds.base import EPOCH, Feature, Schema, World

PRIORITIES = ("P1", "P2", "P3", "P4")
TIERS = ("free", "pro", "enterprise")
AREAS = ("billing", "auth", "api", "dashboard", "integrations", "mobile", "data_export")
CHANNELS = ("email", "web_form", "chat", "phone")

# The effect of each feature on the log-odds of a breach, before ``weights`` scale it.
PRIORITY_EFFECT = {"P1": 3.2, "P2": 1.7, "P3": 0.0, "P4": -1.4}
TIER_EFFECT = {"free": 0.0, "pro": 0.25, "enterprise": 0.6}
AREA_EFFECT = {"billing": -0.2, "auth": 0.1, "api": 0.3, "dashboard": 0.0,
               "integrations": 0.5, "mobile": 0.1, "data_export": 0.4}
CHANNEL_EFFECT = {"email": 0.1, "web_form": 0.0, "chat": -0.3, "phone": -0.1}

# Agents on shift by hour of day: a day shift, an evening shift and a thin night cover.
AGENTS_BY_HOUR = np.array([3, 3, 3, 3, 3, 3, 4, 6, 10, 12, 12, 12,
                           11, 12, 12, 12, 11, 9, 7, 6, 5, 4, 4, 3], dtype=float)
# Relative arrival rate of tickets by hour of day.
ARRIVALS_BY_HOUR = np.array([1, 1, 1, 1, 1, 2, 3, 6, 9, 10, 10, 9,
                             8, 9, 10, 10, 9, 7, 5, 4, 3, 2, 2, 1], dtype=float)

DEFAULT_WEIGHTS = {
    "priority": 1.0, "customer_tier": 1.0, "product_area": 1.0, "channel": 1.0,
    "reporter_tenure_days": 1.0, "description_length": 1.0, "attachments": 1.0,
    "watchers": 1.0, "hour": 1.0, "weekday": 1.0, "open_backlog": 1.0,
    "team_load": 1.0, "minutes_to_first_response": 1.0,
}

SCHEMA = Schema(
    target="sla_breached",
    timestamp="created_at",
    positive_label="breach",
    features=(
        Feature("priority", "categorical", "Priority set by the reporter or triage.",
                categories=PRIORITIES),
        Feature("customer_tier", "categorical", "The customer's plan.", categories=TIERS),
        Feature("product_area", "categorical", "Component the ticket was filed against.",
                categories=AREAS),
        Feature("channel", "categorical", "How the ticket arrived.", categories=CHANNELS),
        Feature("reporter_tenure_days", "numeric", "Days since the reporter's account was made; "
                "empty for anonymous web-form reporters.", nullable=True, minimum=0, unit="days"),
        Feature("description_length", "numeric", "Characters in the description.",
                integer=True, minimum=0, unit="characters"),
        Feature("attachments", "numeric", "Files attached.", integer=True, minimum=0),
        Feature("watchers", "numeric", "People watching the ticket.", integer=True, minimum=0),
        Feature("hour", "numeric", "Hour of day the ticket was created (0-23).", integer=True,
                minimum=0, maximum=23, seasonal=True),
        Feature("weekday", "numeric", "Day of week the ticket was created (0 = Monday).",
                integer=True, minimum=0, maximum=6, seasonal=True),
        Feature("open_backlog", "numeric", "Open tickets in the queue at creation.",
                integer=True, minimum=0),
        Feature("team_load", "numeric", "Open tickets per agent on shift.", minimum=0,
                unit="tickets per agent"),
        Feature("minutes_to_first_response", "numeric", "Minutes until an agent first "
                "responded; empty when the first response was logged outside the tracker.",
                nullable=True, minimum=0, unit="minutes"),
    ),
)


class SupportTickets(World):
    """Support tickets; label = SLA breach.

    Parameters
    ----------
    base_rate : the share of tickets that breach, averaged over the world's own P(x).
    tickets_per_day : arrival volume; sets how many days a frame of ``n`` rows spans.
    weights : multipliers of each feature's effect on the log-odds of a breach (1 = as
        designed, 0 = no effect). Concept drift is a change of these.
    tenure_missing_rate, response_missing_rate : how often those fields are empty in life.
    """

    kind = "support_tickets"
    title = "Support tickets in an issue tracker (label: SLA breach)"
    schema = SCHEMA

    def __init__(
        self,
        base_rate: float = 0.18,
        tickets_per_day: int = 1500,
        weights: dict[str, float] | None = None,
        tenure_missing_rate: float = 0.04,
        response_missing_rate: float = 0.03,
    ):
        self.base_rate = base_rate
        self.tickets_per_day = tickets_per_day
        self.weights = weights
        self.tenure_missing_rate = tenure_missing_rate
        self.response_missing_rate = response_missing_rate
        _check(0.0 < base_rate < 1.0, "base_rate must be between 0 and 1 (exclusive)")
        _check(tickets_per_day > 0, "tickets_per_day must be positive")
        for name in ("tenure_missing_rate", "response_missing_rate"):
            _check(0.0 <= getattr(self, name) < 1.0, f"{name} must be in [0, 1)")
        unknown = set(weights or {}) - set(DEFAULT_WEIGHTS)
        _check(not unknown, f"weights has unknown feature(s) {sorted(unknown)}; "
               f"allowed: {sorted(DEFAULT_WEIGHTS)}")

    @property
    def rows_per_day(self) -> float:
        return float(self.tickets_per_day)

    @property
    def effective_weights(self) -> dict[str, float]:
        return {**DEFAULT_WEIGHTS, **(self.weights or {})}

    def _calibration_frame(self, rng: np.random.Generator) -> pd.DataFrame:
        # Four whole weeks, so weekends weigh in the base rate as they do in life.
        return self.with_params(tickets_per_day=1000)._features(28_000, rng, EPOCH)

    def _features(self, n: int, rng: np.random.Generator, start: pd.Timestamp) -> pd.DataFrame:
        created = _arrivals(n, self.tickets_per_day, rng, start)
        hour = created.dt.hour.to_numpy()
        weekday = created.dt.weekday.to_numpy()

        priority = rng.choice(PRIORITIES, n, p=[0.05, 0.17, 0.48, 0.30])
        tier_idx = rng.choice(len(TIERS), n, p=[0.55, 0.33, 0.12])
        tier = np.array(TIERS)[tier_idx]
        area = rng.choice(AREAS, n, p=[0.18, 0.12, 0.16, 0.22, 0.14, 0.10, 0.08])
        channel = rng.choice(CHANNELS, n, p=[0.40, 0.35, 0.20, 0.05])
        is_p1 = priority == "P1"

        # Long-standing reporters are likelier at enterprise customers.
        tenure = rng.lognormal(5.3 + 0.4 * tier_idx, 1.1)
        tenure[rng.random(n) < self.tenure_missing_rate] = np.nan
        description = np.round(rng.lognormal(6.0 + 0.3 * is_p1, 0.7)).clip(10, 20_000)
        attachments = rng.poisson(0.3 + 0.0005 * description).clip(0, 12)
        watchers = rng.poisson(0.4 + 0.8 * tier_idx + 1.5 * is_p1)

        weekend = weekday >= 5
        backlog_mean = 35 + 4.0 * ARRIVALS_BY_HOUR[hour] + 25 * (weekday == 0) - 15 * weekend
        backlog = rng.poisson(backlog_mean)
        agents = AGENTS_BY_HOUR[hour] * np.where(weekend, 0.5, 1.0)
        load = backlog / agents * rng.lognormal(0.0, 0.15, n)

        priority_minutes = np.select(
            [priority == "P1", priority == "P2", priority == "P3"], [12.0, 35.0, 90.0], 180.0)
        channel_speed = np.where(channel == "chat", 0.3, 1.0)
        response = priority_minutes * channel_speed * np.sqrt(load / 6.0) * rng.lognormal(0, 0.6, n)
        response = np.round(response, 1)
        response[rng.random(n) < self.response_missing_rate] = np.nan

        return pd.DataFrame({
            "created_at": created,
            "priority": priority,
            "customer_tier": tier,
            "product_area": area,
            "channel": channel,
            "reporter_tenure_days": np.round(tenure, 0),
            "description_length": description.astype(np.int64),
            "attachments": attachments.astype(np.int64),
            "watchers": watchers.astype(np.int64),
            "hour": hour.astype(np.int64),
            "weekday": weekday.astype(np.int64),
            "open_backlog": backlog.astype(np.int64),
            "team_load": np.round(load, 3),
            "minutes_to_first_response": response,
        })

    def _logit(self, frame: pd.DataFrame) -> np.ndarray:
        w = self.effective_weights

        def effect(column: str, table: dict[str, float]) -> np.ndarray:
            # Values the world never produces (after a renaming upstream) have no effect.
            return frame[column].map(table).fillna(0.0).to_numpy(dtype=float)

        def numeric(column: str) -> np.ndarray:
            return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)

        response = numeric("minutes_to_first_response")
        response_term = np.nan_to_num(np.log(np.clip(response, 0.5, None) / 60.0))
        tenure = numeric("reporter_tenure_days")
        tenure_term = np.nan_to_num(np.log1p(np.clip(tenure, 0, None)) - 5.5)
        hour = numeric("hour")
        after_hours = ((hour < 8) | (hour >= 18)).astype(float)
        weekend = (numeric("weekday") >= 5).astype(float)

        return (
            w["priority"] * effect("priority", PRIORITY_EFFECT)
            + w["customer_tier"] * effect("customer_tier", TIER_EFFECT)
            + w["product_area"] * effect("product_area", AREA_EFFECT)
            + w["channel"] * effect("channel", CHANNEL_EFFECT)
            + w["reporter_tenure_days"] * -0.15 * tenure_term
            + w["description_length"] * 0.3 * np.log(np.clip(numeric("description_length"),
                                                             1, None) / 400.0)
            + w["attachments"] * 0.35 * np.log1p(np.clip(numeric("attachments"), 0, None))
            + w["watchers"] * 0.12 * numeric("watchers")
            + w["hour"] * 0.35 * after_hours
            + w["weekday"] * 0.45 * weekend
            + w["open_backlog"] * 0.006 * (numeric("open_backlog") - 70.0)
            + w["team_load"] * 0.45 * (numeric("team_load") - 7.0)
            + w["minutes_to_first_response"] * 0.9 * response_term
        )


def _arrivals(n: int, per_day: int, rng: np.random.Generator, start: pd.Timestamp) -> pd.Series:
    """``n`` ticket creation times from ``start`` on, busiest in office hours, sorted."""
    days = max(1, int(np.ceil(n / per_day)))
    day = rng.integers(0, days, n)
    hour = rng.choice(24, n, p=ARRIVALS_BY_HOUR / ARRIVALS_BY_HOUR.sum())
    seconds = rng.integers(0, 3600, n)
    offset = day * 86_400 + hour * 3600 + seconds
    offset.sort()
    return pd.Series(pd.to_datetime(start) + pd.to_timedelta(offset, unit="s"))


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)
