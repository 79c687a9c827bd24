"""Product notifications; the label is whether the user clicked within an hour of sending.

The model scores a notification before it is sent (to decide whether to send it). The
causal story: a user's tenure and engagement (sessions in the last week, their own past
click-through) set how likely they are to act on anything; the notification's type
(a mention or a reply is personal, a promotion is not) and channel set its pull; fatigue
(notifications already received today) and a long silence push it down; evenings and
weekends are when people read their phones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.worlds.base import Feature, Schema
from lab.worlds.parts import (
    ALL_WEEK,
    CONSUMER_HOURS,
    CausalWorld,
    arrivals,
    blank,
    effect,
    log_ratio,
    numeric,
)

TYPES = ("comment_reply", "mention", "weekly_digest", "reminder", "product_update",
         "marketing_promo", "security_alert", "billing")
CHANNELS = ("push", "email", "in_app", "sms")
PLATFORMS = ("ios", "android", "web", "desktop")

TYPE_EFFECT = {"comment_reply": 1.3, "mention": 1.6, "weekly_digest": -0.6, "reminder": 0.3,
               "product_update": -0.4, "marketing_promo": -1.2, "security_alert": 1.0,
               "billing": 0.4}
CHANNEL_EFFECT = {"push": 0.5, "email": -0.6, "in_app": 0.9, "sms": 0.2}
PLATFORM_EFFECT = {"ios": 0.2, "android": 0.0, "web": -0.3, "desktop": -0.2}

DEFAULT_WEIGHTS = {name: 1.0 for name in (
    "notification_type", "channel", "platform", "user_tenure_days", "sessions_last_7d",
    "notifications_last_24h", "minutes_since_last_open", "past_ctr_30d", "title_length",
    "hour", "weekday")}

SCHEMA = Schema(
    target="clicked",
    timestamp="sent_at",
    positive_label="click",
    features=(
        Feature("notification_type", "categorical", "What the notification is about.",
                categories=TYPES),
        Feature("channel", "categorical", "How it is delivered.", categories=CHANNELS),
        Feature("platform", "categorical", "The user's main platform.", categories=PLATFORMS),
        Feature("user_tenure_days", "numeric", "Days since sign-up.", minimum=0, unit="days"),
        Feature("sessions_last_7d", "numeric", "App sessions in the last 7 days.", integer=True,
                minimum=0),
        Feature("notifications_last_24h", "numeric", "Notifications the user received in the "
                "last 24 hours.", integer=True, minimum=0),
        Feature("minutes_since_last_open", "numeric", "Minutes since the user last opened the "
                "app; empty if never.", nullable=True, minimum=0, unit="minutes"),
        Feature("past_ctr_30d", "numeric", "The user's click-through over the last 30 days "
                "(0-1); empty for users with fewer than 5 notifications.", nullable=True,
                minimum=0, maximum=1, unit="fraction"),
        Feature("title_length", "numeric", "Characters in the title.", integer=True, minimum=1,
                unit="characters"),
        Feature("hour", "numeric", "Hour of day in the user's time zone (0-23).", integer=True,
                minimum=0, maximum=23, seasonal=True),
        Feature("weekday", "numeric", "Day of week (0 = Monday).", integer=True, minimum=0,
                maximum=6, seasonal=True),
    ),
)


class Notifications(CausalWorld):
    """Product notifications; label = clicked within an hour.

    Parameters
    ----------
    base_rate : click-through, averaged over the world's own P(x).
    notifications_per_day : volume; sets how many days a frame of ``n`` rows spans.
    weights : multipliers of each feature's effect on the log-odds (1 = as designed).
    missing_scale : multiplies every designed missing share (0 = nothing missing).
    """

    kind = "notifications"
    title = "Product notifications (label: click-through)"
    schema = SCHEMA
    per_day_param = "notifications_per_day"
    default_weights = DEFAULT_WEIGHTS

    def __init__(self, base_rate: float = 0.025, notifications_per_day: int = 3000,
                 weights: dict[str, float] | None = None, missing_scale: float = 1.0):
        self.base_rate = base_rate
        self.notifications_per_day = notifications_per_day
        self.weights = weights
        self.missing_scale = missing_scale
        self._validate()

    def _features(self, n: int, rng: np.random.Generator, start: pd.Timestamp) -> pd.DataFrame:
        sent = arrivals(n, self.notifications_per_day, rng, start, CONSUMER_HOURS, ALL_WEEK)
        hour = sent.dt.hour.to_numpy()
        weekday = sent.dt.weekday.to_numpy()
        kind = rng.choice(TYPES, n, p=[0.22, 0.14, 0.16, 0.14, 0.12, 0.14, 0.03, 0.05])
        channel = rng.choice(CHANNELS, n, p=[0.45, 0.30, 0.22, 0.03])
        platform = rng.choice(PLATFORMS, n, p=[0.38, 0.34, 0.20, 0.08])
        tenure = np.round(rng.lognormal(5.0, 1.3, n), 0)
        # Engagement is a trait: it drives sessions, recency and the user's own history.
        engaged = rng.normal(0.0, 1.0, n)
        sessions = rng.poisson(np.exp(1.2 + 0.8 * engaged))
        received = rng.poisson(2.0 + 0.4 * sessions.clip(0, 20))
        since_open = rng.lognormal(6.5 - 1.2 * engaged, 1.3)
        never = (rng.random(n) < self._missing(0.05)) & (sessions == 0)
        since_open = blank(np.round(since_open), never.astype(float), rng)
        past = rng.beta(1.5, 40.0, n) * np.exp(0.6 * engaged)
        new_user = (tenure < 14) | (rng.random(n) < self._missing(0.10))
        past = blank(np.clip(past, 0, 1).round(4), new_user.astype(float), rng)
        title = np.round(rng.lognormal(3.7, 0.35, n)).clip(5, 140)
        return pd.DataFrame({
            "sent_at": sent,
            "notification_type": kind,
            "channel": channel,
            "platform": platform,
            "user_tenure_days": tenure,
            "sessions_last_7d": sessions.astype(np.int64),
            "notifications_last_24h": received.astype(np.int64),
            "minutes_since_last_open": since_open,
            "past_ctr_30d": past,
            "title_length": title.astype(np.int64),
            "hour": hour.astype(np.int64),
            "weekday": weekday.astype(np.int64),
        })

    def _logit(self, frame: pd.DataFrame) -> np.ndarray:
        w = self.effective_weights
        past = numeric(frame, "past_ctr_30d")
        # A new user's history is unknown: they act like the typical user (3%).
        past_term = np.log(np.clip(np.where(np.isnan(past), 0.03, past), 0.002, 1) / 0.03)
        since = numeric(frame, "minutes_since_last_open")
        since_term = np.where(np.isnan(since), 1.5, np.log1p(np.clip(since, 0, None)) - 6.5)
        hour = numeric(frame, "hour")
        evening = ((hour >= 18) & (hour <= 22)).astype(float)
        night = ((hour >= 0) & (hour < 6)).astype(float)
        return (
            w["notification_type"] * effect(frame, "notification_type", TYPE_EFFECT)
            + w["channel"] * effect(frame, "channel", CHANNEL_EFFECT)
            + w["platform"] * effect(frame, "platform", PLATFORM_EFFECT)
            + w["user_tenure_days"] * -0.1 * log_ratio(frame, "user_tenure_days", 150.0)
            + w["sessions_last_7d"] * 0.35 * np.log1p(np.nan_to_num(
                numeric(frame, "sessions_last_7d")))
            + w["notifications_last_24h"] * -0.3 * np.log1p(np.nan_to_num(
                numeric(frame, "notifications_last_24h")))
            + w["minutes_since_last_open"] * -0.25 * since_term
            + w["past_ctr_30d"] * 0.7 * past_term
            + w["title_length"] * -0.3 * log_ratio(frame, "title_length", 40.0)
            + w["hour"] * (0.4 * evening - 0.8 * night)
            + w["weekday"] * 0.2 * (numeric(frame, "weekday") >= 5)
        )
