"""Payments in an app marketplace; the label is whether the payment was charged back as fraud.

The model scores a payment at checkout. The causal story: fraud rings use young or
guest accounts, stolen cards and gift cards bought with them, pay from an IP in another
country than the billing address, try several times (failed attempts) and buy many apps
in a burst, at night in the buyer's time zone; big amounts and sellers who just joined
the marketplace are riskier. Chargebacks arrive weeks later, so labels are slow.
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
    long_tail,
    numeric,
)

METHODS = ("card", "paypal", "apple_pay", "google_pay", "gift_card", "bank_transfer", "crypto")
CATEGORIES = ("games", "productivity", "photo", "education", "music", "health", "social",
              "utilities", "finance", "dating", "other")
DEVICES = ("ios", "android", "web", "desktop")
IP_MATCH = ("match", "mismatch")

METHOD_EFFECT = {"card": 0.4, "paypal": -0.5, "apple_pay": -1.0, "google_pay": -0.8,
                 "gift_card": 1.4, "bank_transfer": -0.6, "crypto": 1.8}
CATEGORY_EFFECT = {"games": 0.5, "productivity": -0.2, "photo": -0.1, "education": -0.4,
                   "music": 0.0, "health": -0.3, "social": 0.1, "utilities": 0.0,
                   "finance": 0.4, "dating": 0.8, "other": 0.3}
DEVICE_EFFECT = {"ios": -0.3, "android": 0.1, "web": 0.5, "desktop": 0.2}
IP_EFFECT = {"match": 0.0, "mismatch": 1.8}

DEFAULT_WEIGHTS = {name: 1.0 for name in (
    "payment_method", "app_category", "device", "ip_country", "amount_eur",
    "buyer_account_age_days", "purchases_last_24h", "failed_attempts_last_24h",
    "seller_age_days", "hour", "weekday")}

SCHEMA = Schema(
    target="is_fraud",
    timestamp="paid_at",
    positive_label="fraud",
    features=(
        Feature("payment_method", "categorical", "How the buyer paid.", categories=METHODS),
        Feature("app_category", "categorical", "Store category of the app bought.",
                categories=CATEGORIES),
        Feature("device", "categorical", "Device the checkout ran on.", categories=DEVICES),
        Feature("ip_country", "categorical", "Whether the IP's country matches the billing "
                "country; empty when geolocation failed.", categories=IP_MATCH, nullable=True),
        Feature("amount_eur", "numeric", "Amount paid.", minimum=0.49, unit="EUR"),
        Feature("buyer_account_age_days", "numeric", "Days since the buyer's account was made; "
                "empty for guest checkout.", nullable=True, minimum=0, unit="days"),
        Feature("purchases_last_24h", "numeric", "The buyer's purchases in the last 24 hours.",
                integer=True, minimum=0),
        Feature("failed_attempts_last_24h", "numeric", "The buyer's declined payment attempts "
                "in the last 24 hours.", integer=True, minimum=0),
        Feature("seller_age_days", "numeric", "Days since the seller joined the marketplace.",
                minimum=0, unit="days"),
        Feature("hour", "numeric", "Hour of day in the buyer's time zone (0-23).", integer=True,
                minimum=0, maximum=23, seasonal=True),
        Feature("weekday", "numeric", "Day of week (0 = Monday).", integer=True, minimum=0,
                maximum=6, seasonal=True),
    ),
)


class MarketplacePayments(CausalWorld):
    """App-marketplace payments; label = fraud (a chargeback).

    Parameters
    ----------
    base_rate : share of payments that are fraud, averaged over the world's own P(x).
    payments_per_day : volume; sets how many days a frame of ``n`` rows spans.
    weights : multipliers of each feature's effect on the log-odds (1 = as designed).
    missing_scale : multiplies every designed missing share (0 = nothing missing).
    """

    kind = "marketplace_payments"
    title = "App-marketplace payments (label: fraud)"
    schema = SCHEMA
    per_day_param = "payments_per_day"
    default_weights = DEFAULT_WEIGHTS

    def __init__(self, base_rate: float = 0.004, payments_per_day: int = 5000,
                 weights: dict[str, float] | None = None, missing_scale: float = 1.0):
        self.base_rate = base_rate
        self.payments_per_day = payments_per_day
        self.weights = weights
        self.missing_scale = missing_scale
        self._validate()

    def _features(self, n: int, rng: np.random.Generator, start: pd.Timestamp) -> pd.DataFrame:
        paid = arrivals(n, self.payments_per_day, rng, start, CONSUMER_HOURS, ALL_WEEK)
        hour = paid.dt.hour.to_numpy()
        weekday = paid.dt.weekday.to_numpy()
        method = rng.choice(METHODS, n, p=[0.42, 0.18, 0.17, 0.13, 0.06, 0.03, 0.01])
        category = rng.choice(CATEGORIES, n, p=long_tail(CATEGORIES, 0.9))
        device = rng.choice(DEVICES, n, p=[0.45, 0.38, 0.12, 0.05])
        guest = rng.random(n) < self._missing(0.06)
        # A little of the traffic comes from a risky population: it shows in several columns.
        risky = rng.random(n) < 0.04
        age = rng.lognormal(np.where(risky, 2.5, 6.3), 1.3)
        age = blank(np.round(age), guest.astype(float), rng)
        mismatch = rng.random(n) < np.where(risky, 0.45, 0.05)
        ip = blank(mismatch.astype(float), self._missing(0.03), rng)
        ip_country = np.where(np.isnan(ip), None, np.where(ip == 1, "mismatch", "match"))
        amount = np.round(np.exp(rng.normal(1.2 + 0.4 * (category == "games"), 1.0)), 2)
        amount = np.clip(amount, 0.49, 999.99)
        purchases = rng.poisson(np.where(risky, 3.0, 0.5))
        failed = rng.poisson(np.where(risky, 1.2, 0.06))
        seller = np.round(rng.lognormal(6.5, 1.1, n), 0)
        return pd.DataFrame({
            "paid_at": paid,
            "payment_method": method,
            "app_category": category,
            "device": device,
            "ip_country": ip_country,
            "amount_eur": amount,
            "buyer_account_age_days": age,
            "purchases_last_24h": purchases.astype(np.int64),
            "failed_attempts_last_24h": failed.astype(np.int64),
            "seller_age_days": seller,
            "hour": hour.astype(np.int64),
            "weekday": weekday.astype(np.int64),
        })

    def _logit(self, frame: pd.DataFrame) -> np.ndarray:
        w = self.effective_weights
        age = numeric(frame, "buyer_account_age_days")
        # A guest checkout is as risky as a week-old account.
        young = np.clip(1.0 - np.log1p(np.where(np.isnan(age), 7.0, age)) / np.log(720), 0, 1)
        hour = numeric(frame, "hour")
        night = ((hour >= 1) & (hour < 6)).astype(float)
        return (
            w["payment_method"] * effect(frame, "payment_method", METHOD_EFFECT)
            + w["app_category"] * effect(frame, "app_category", CATEGORY_EFFECT)
            + w["device"] * effect(frame, "device", DEVICE_EFFECT)
            + w["ip_country"] * effect(frame, "ip_country", IP_EFFECT)
            + w["amount_eur"] * 0.35 * log_ratio(frame, "amount_eur", 4.0, floor=0.49)
            + w["buyer_account_age_days"] * 3.0 * young
            + w["purchases_last_24h"] * 0.45 * np.log1p(np.nan_to_num(
                numeric(frame, "purchases_last_24h")))
            + w["failed_attempts_last_24h"] * 1.4 * np.log1p(np.nan_to_num(
                numeric(frame, "failed_attempts_last_24h")))
            + w["seller_age_days"] * -0.3 * log_ratio(frame, "seller_age_days", 600.0)
            + w["hour"] * 0.7 * night
            + w["weekday"] * 0.1 * (numeric(frame, "weekday") >= 5)
        )
