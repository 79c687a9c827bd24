"""Cloud workspaces of a collaboration product; the label is churn within 90 days.

The model scores a workspace when an admin opens the billing page (the moment a
retention offer can be shown), so scores are asked for in office hours and on weekdays.
The causal story: the plan and the seats bought set the stakes; usage (the share of
seats active, days since anyone logged in, integrations set up) says whether the
product took root; failed payments, a burst of support tickets and a low survey score
warn of leaving; young workspaces on the free and team plans churn most. The label
arrives 90 days after the score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.worlds.base import Feature, Schema
from lab.worlds.parts import (
    OFFICE_HOURS,
    WORKWEEK,
    CausalWorld,
    arrivals,
    blank,
    effect,
    log_ratio,
    numeric,
)

PLANS = ("free", "team", "business", "enterprise")
REGIONS = ("us-east", "eu-west", "us-west", "eu-central", "ap-northeast", "ap-south",
           "sa-east")
CHANNELS = ("organic", "paid_search", "referral", "partner", "sales")

PLAN_EFFECT = {"free": 0.6, "team": 0.2, "business": -0.3, "enterprise": -1.0}
REGION_EFFECT = {"us-east": 0.0, "eu-west": -0.1, "us-west": 0.0, "eu-central": -0.2,
                 "ap-northeast": 0.2, "ap-south": 0.4, "sa-east": 0.3}
CHANNEL_EFFECT = {"organic": 0.0, "paid_search": 0.5, "referral": -0.3, "partner": -0.2,
                  "sales": -0.4}

DEFAULT_WEIGHTS = {name: 1.0 for name in (
    "plan", "region", "acquisition_channel", "seats", "active_seat_share",
    "days_since_last_login", "tenure_days", "storage_gb", "integrations", "support_tickets_90d",
    "payment_failures_90d", "survey_score")}

SCHEMA = Schema(
    target="churned_90d",
    timestamp="scored_at",
    positive_label="churn",
    features=(
        Feature("plan", "categorical", "The workspace's plan.", categories=PLANS),
        Feature("region", "categorical", "Data region.", categories=REGIONS),
        Feature("acquisition_channel", "categorical", "How the workspace signed up.",
                categories=CHANNELS),
        Feature("seats", "numeric", "Seats paid for (free plans: members).", integer=True,
                minimum=1),
        Feature("active_seat_share", "numeric", "Share of seats active in the last 30 days.",
                minimum=0, maximum=1, unit="fraction"),
        Feature("days_since_last_login", "numeric", "Days since any member logged in.",
                integer=True, minimum=0, unit="days"),
        Feature("tenure_days", "numeric", "Days since the workspace was created.", minimum=0,
                unit="days"),
        Feature("storage_gb", "numeric", "Storage used.", minimum=0, unit="GB"),
        Feature("integrations", "numeric", "Integrations enabled.", integer=True, minimum=0),
        Feature("support_tickets_90d", "numeric", "Support tickets filed in the last 90 days.",
                integer=True, minimum=0),
        Feature("payment_failures_90d", "numeric", "Failed renewals or card declines in the "
                "last 90 days.", integer=True, minimum=0),
        Feature("survey_score", "numeric", "Latest satisfaction survey answer (0-10); empty "
                "when no admin answered.", nullable=True, integer=True, minimum=0, maximum=10),
    ),
)


class CloudWorkspaces(CausalWorld):
    """Workspaces of a collaboration product; label = churned within 90 days.

    Parameters
    ----------
    base_rate : share of workspaces that churn, averaged over the world's own P(x).
    workspaces_per_day : scoring volume; sets how many days a frame of ``n`` rows spans.
    weights : multipliers of each feature's effect on the log-odds (1 = as designed).
    missing_scale : multiplies every designed missing share (0 = nothing missing).
    """

    kind = "cloud_workspaces"
    title = "Cloud workspaces (label: churn within 90 days)"
    schema = SCHEMA
    per_day_param = "workspaces_per_day"
    default_weights = DEFAULT_WEIGHTS

    def __init__(self, base_rate: float = 0.08, workspaces_per_day: int = 800,
                 weights: dict[str, float] | None = None, missing_scale: float = 1.0):
        self.base_rate = base_rate
        self.workspaces_per_day = workspaces_per_day
        self.weights = weights
        self.missing_scale = missing_scale
        self._validate()

    def _features(self, n: int, rng: np.random.Generator, start: pd.Timestamp) -> pd.DataFrame:
        scored = arrivals(n, self.workspaces_per_day, rng, start, OFFICE_HOURS, WORKWEEK)
        plan_idx = rng.choice(len(PLANS), n, p=[0.45, 0.32, 0.17, 0.06])
        plan = np.array(PLANS)[plan_idx]
        region = rng.choice(REGIONS, n, p=[0.30, 0.22, 0.16, 0.12, 0.08, 0.07, 0.05])
        channel = rng.choice(CHANNELS, n, p=[0.40, 0.25, 0.15, 0.10, 0.10])
        channel = np.where((plan == "enterprise") & (rng.random(n) < 0.6), "sales", channel)
        seats = np.ceil(rng.lognormal(1.0 + 0.9 * plan_idx, 0.8, n)).astype(np.int64)
        tenure = np.round(rng.lognormal(5.5 + 0.2 * plan_idx, 1.0, n), 0)
        # Adoption is a trait: it shows in active seats, logins and integrations.
        adoption = rng.normal(0.0, 1.0, n)
        active = 1 / (1 + np.exp(-(0.3 + 1.1 * adoption + rng.normal(0, 0.5, n))))
        last_login = np.round(rng.lognormal(0.8 - 1.0 * adoption, 1.0, n)).astype(np.int64)
        storage = np.round(seats * rng.lognormal(0.5, 1.2, n), 2)
        integrations = rng.poisson(np.exp(0.2 + 0.5 * adoption + 0.3 * plan_idx))
        tickets = rng.poisson(0.3 * np.log1p(seats) + 0.3)
        failures = rng.poisson(np.where(plan == "free", 0.0, 0.15), n)
        survey = np.clip(np.round(7.2 + 1.3 * adoption + rng.normal(0, 1.6, n)), 0, 10)
        survey = blank(survey, self._missing(0.7), rng)
        return pd.DataFrame({
            "scored_at": scored,
            "plan": plan,
            "region": region,
            "acquisition_channel": channel,
            "seats": seats,
            "active_seat_share": active.round(3),
            "days_since_last_login": last_login,
            "tenure_days": tenure,
            "storage_gb": storage,
            "integrations": integrations.astype(np.int64),
            "support_tickets_90d": tickets.astype(np.int64),
            "payment_failures_90d": failures.astype(np.int64),
            "survey_score": survey,
        })

    def _logit(self, frame: pd.DataFrame) -> np.ndarray:
        w = self.effective_weights
        survey = numeric(frame, "survey_score")
        # An admin who does not answer is mildly worrying: like a 6.
        survey_term = (np.where(np.isnan(survey), 6.0, survey) - 7.0) / 3.0
        return (
            w["plan"] * effect(frame, "plan", PLAN_EFFECT)
            + w["region"] * effect(frame, "region", REGION_EFFECT)
            + w["acquisition_channel"] * effect(frame, "acquisition_channel", CHANNEL_EFFECT)
            + w["seats"] * -0.2 * log_ratio(frame, "seats", 5.0)
            + w["active_seat_share"] * -3.0 * (np.nan_to_num(
                numeric(frame, "active_seat_share"), nan=0.5) - 0.5)
            + w["days_since_last_login"] * 0.8 * np.log1p(np.nan_to_num(
                numeric(frame, "days_since_last_login")))
            + w["tenure_days"] * -0.35 * log_ratio(frame, "tenure_days", 250.0)
            + w["storage_gb"] * -0.1 * log_ratio(frame, "storage_gb", 5.0, floor=0.01)
            + w["integrations"] * -0.35 * np.log1p(np.nan_to_num(numeric(frame, "integrations")))
            + w["support_tickets_90d"] * 0.3 * np.nan_to_num(
                numeric(frame, "support_tickets_90d"))
            + w["payment_failures_90d"] * 1.3 * np.nan_to_num(
                numeric(frame, "payment_failures_90d"))
            + w["survey_score"] * -0.7 * survey_term
        )
