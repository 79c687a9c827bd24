"""Comments on a team wiki; the label is whether a moderator removed the comment as spam.

The model scores a comment when it is posted. The causal story: who posts (a member, a
guest, a contractor, an integration) sets the account's age and edit history; spam comes
from young accounts and guests, at night as much as by day, carries links, arrives in
bursts (seconds since the author's previous comment), lands on old, forgotten pages and
through the API more than through the editor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.worlds.base import Feature, Schema
from lab.worlds.parts import (
    ALL_WEEK,
    CausalWorld,
    arrivals,
    blank,
    effect,
    log_ratio,
    long_tail,
    numeric,
)

AUTHOR_TYPES = ("member", "guest", "contractor", "integration")
SPACES = ("engineering", "product", "support", "design", "sales", "marketing", "hr",
          "it_ops", "finance", "legal", "random", "archive")
LANGUAGES = ("en", "de", "fr", "es", "pt", "ja", "other")
CLIENTS = ("web", "desktop", "mobile", "api")
# Comments come day and night (bots do not sleep); people post in office hours.
HOURS = np.array([3, 3, 3, 3, 3, 3, 4, 6, 9, 10, 10, 9,
                  8, 9, 10, 10, 9, 7, 5, 4, 4, 4, 3, 3], dtype=float)

AUTHOR_EFFECT = {"member": 0.0, "guest": 1.6, "contractor": 0.3, "integration": -0.5}
SPACE_EFFECT = {"engineering": -0.3, "product": -0.2, "support": 0.4, "design": -0.2,
                "sales": 0.2, "marketing": 0.5, "hr": -0.1, "it_ops": 0.0, "finance": 0.0,
                "legal": -0.2, "random": 0.6, "archive": 1.0}
LANGUAGE_EFFECT = {"en": 0.0, "de": -0.3, "fr": -0.2, "es": 0.1, "pt": 0.3, "ja": -0.2,
                   "other": 1.2}
CLIENT_EFFECT = {"web": 0.0, "desktop": -0.4, "mobile": -0.2, "api": 1.0}

DEFAULT_WEIGHTS = {name: 1.0 for name in (
    "author_type", "space", "language", "client", "account_age_days", "author_edit_count",
    "comment_length", "link_count", "mention_count", "page_age_days",
    "seconds_since_previous_comment", "hour", "weekday")}

SCHEMA = Schema(
    target="is_spam",
    timestamp="posted_at",
    positive_label="spam",
    features=(
        Feature("author_type", "categorical", "Who posted: a member, a guest invited to one "
                "space, a contractor, or an integration's bot account.", categories=AUTHOR_TYPES),
        Feature("space", "categorical", "Wiki space of the page (a long tail of quiet spaces).",
                categories=SPACES),
        Feature("language", "categorical", "Detected language of the comment.",
                categories=LANGUAGES),
        Feature("client", "categorical", "Where the comment was posted from.",
                categories=CLIENTS),
        Feature("account_age_days", "numeric", "Days since the author's account was made; "
                "empty for guests posting by a share link.", nullable=True, minimum=0,
                unit="days"),
        Feature("author_edit_count", "numeric", "Edits the author made in the last 90 days.",
                integer=True, minimum=0),
        Feature("comment_length", "numeric", "Characters in the comment.", integer=True,
                minimum=1, unit="characters"),
        Feature("link_count", "numeric", "Links in the comment.", integer=True, minimum=0),
        Feature("mention_count", "numeric", "@-mentions in the comment.", integer=True,
                minimum=0),
        Feature("page_age_days", "numeric", "Days since the page was last edited.",
                minimum=0, unit="days"),
        Feature("seconds_since_previous_comment", "numeric", "Seconds since the author's "
                "previous comment; empty for a first comment.", nullable=True, minimum=0,
                unit="seconds"),
        Feature("hour", "numeric", "Hour of day the comment was posted (0-23).", integer=True,
                minimum=0, maximum=23, seasonal=True),
        Feature("weekday", "numeric", "Day of week (0 = Monday).", integer=True, minimum=0,
                maximum=6, seasonal=True),
    ),
)


class WikiComments(CausalWorld):
    """Comments on a team wiki; label = removed as spam.

    Parameters
    ----------
    base_rate : share of comments that are spam, averaged over the world's own P(x).
    comments_per_day : volume; sets how many days a frame of ``n`` rows spans.
    weights : multipliers of each feature's effect on the log-odds (1 = as designed).
    missing_scale : multiplies every designed missing share (0 = nothing missing).
    """

    kind = "wiki_comments"
    title = "Comments on a team wiki (label: spam)"
    schema = SCHEMA
    per_day_param = "comments_per_day"
    default_weights = DEFAULT_WEIGHTS

    def __init__(self, base_rate: float = 0.03, comments_per_day: int = 2000,
                 weights: dict[str, float] | None = None, missing_scale: float = 1.0):
        self.base_rate = base_rate
        self.comments_per_day = comments_per_day
        self.weights = weights
        self.missing_scale = missing_scale
        self._validate()

    def _features(self, n: int, rng: np.random.Generator, start: pd.Timestamp) -> pd.DataFrame:
        posted = arrivals(n, self.comments_per_day, rng, start, HOURS, ALL_WEEK)
        hour = posted.dt.hour.to_numpy()
        weekday = posted.dt.weekday.to_numpy()
        author_idx = rng.choice(len(AUTHOR_TYPES), n, p=[0.80, 0.10, 0.07, 0.03])
        author = np.array(AUTHOR_TYPES)[author_idx]
        guest = author_idx == 1
        space = rng.choice(SPACES, n, p=long_tail(SPACES))
        language = rng.choice(LANGUAGES, n, p=[0.62, 0.12, 0.07, 0.06, 0.04, 0.03, 0.06])
        client = rng.choice(CLIENTS, n, p=[0.55, 0.25, 0.12, 0.08])
        client = np.where(author_idx == 3, "api", client)

        account_age = rng.lognormal(np.where(guest, 2.5, 6.0), 1.2)
        account_age = blank(np.round(account_age), np.where(guest, 0.6, 0.0) * self.missing_scale,
                            rng)
        edits = rng.negative_binomial(1.2, 1.2 / (1.2 + np.where(guest, 1.0, 25.0)))
        length = np.round(rng.lognormal(5.0, 0.9, n)).clip(1, 10_000)
        links = rng.poisson(0.15 + 0.5 * guest + 0.0008 * length)
        mentions = rng.poisson(np.where(guest, 0.1, 0.7))
        page_age = np.round(rng.lognormal(3.5 + 1.2 * (space == "archive"), 1.5), 1)
        gap = rng.lognormal(np.where(guest, 6.0, 9.5), 2.0)
        first = rng.random(n) < self._missing(0.12)
        gap = blank(np.round(gap), first.astype(float), rng)
        return pd.DataFrame({
            "posted_at": posted,
            "author_type": author,
            "space": space,
            "language": language,
            "client": client,
            "account_age_days": account_age,
            "author_edit_count": edits.astype(np.int64),
            "comment_length": length.astype(np.int64),
            "link_count": links.astype(np.int64),
            "mention_count": mentions.astype(np.int64),
            "page_age_days": page_age,
            "seconds_since_previous_comment": gap,
            "hour": hour.astype(np.int64),
            "weekday": weekday.astype(np.int64),
        })

    def _logit(self, frame: pd.DataFrame) -> np.ndarray:
        w = self.effective_weights
        age = numeric(frame, "account_age_days")
        young = np.where(np.isnan(age), 1.0, np.clip(1.0 - np.log1p(age) / np.log(365), 0, 1))
        gap = numeric(frame, "seconds_since_previous_comment")
        burst = np.where(np.isnan(gap), 0.0, np.clip(np.log(600.0 / np.clip(gap, 1, None)), 0, 5))
        hour = numeric(frame, "hour")
        night = ((hour < 6) | (hour >= 22)).astype(float)
        return (
            w["author_type"] * effect(frame, "author_type", AUTHOR_EFFECT)
            + w["space"] * effect(frame, "space", SPACE_EFFECT)
            + w["language"] * effect(frame, "language", LANGUAGE_EFFECT)
            + w["client"] * effect(frame, "client", CLIENT_EFFECT)
            + w["account_age_days"] * 2.2 * young
            + w["author_edit_count"] * -0.25 * np.log1p(np.nan_to_num(
                numeric(frame, "author_edit_count")))
            + w["comment_length"] * 0.15 * log_ratio(frame, "comment_length", 150.0)
            + w["link_count"] * 1.3 * np.log1p(np.nan_to_num(numeric(frame, "link_count")))
            + w["mention_count"] * -0.4 * np.log1p(np.nan_to_num(numeric(frame, "mention_count")))
            + w["page_age_days"] * 0.25 * log_ratio(frame, "page_age_days", 30.0)
            + w["seconds_since_previous_comment"] * 0.45 * burst
            + w["hour"] * 0.8 * night
            + w["weekday"] * 0.3 * (numeric(frame, "weekday") >= 5)
        )
