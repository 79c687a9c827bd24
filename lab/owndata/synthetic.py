"""A seeded example pair of files (reference and current) with a known shift, for the
tests, the benchmark and the app's "try an example" button."""

from __future__ import annotations

import numpy as np
import pandas as pd

REGIONS = np.array(["north", "south", "east", "west"])


def example_frame(rows: int, seed: int, shift: float = 0.0, start: str = "2026-01-01",
                  days: float = 7.0) -> pd.DataFrame:
    """Loan-like rows: ``income`` moves by ``shift`` standard deviations when shift != 0.

    The label follows a fixed logistic model of income, debt and region, and the
    ``prediction`` column is that model's probability (so it is calibrated).
    """
    rng = np.random.default_rng(seed)
    income = rng.normal(50.0, 10.0, rows) + shift * 10.0
    debt = rng.gamma(2.0, 5.0, rows)
    age = rng.integers(18, 80, rows).astype(float)
    tenure = rng.exponential(3.0, rows)
    noise = rng.normal(0.0, 1.0, rows)  # unrelated to the label
    region = REGIONS[rng.choice(4, rows, p=[0.4, 0.3, 0.2, 0.1])]
    rating = rng.integers(1, 6, rows)
    logit = -0.12 * (income - 50.0) + 0.15 * (debt - 10.0) + np.where(region == "west", 0.8,
                                                                      0.0) - 1.0
    probability = 1.0 / (1.0 + np.exp(-logit))
    label = (rng.random(rows) < probability).astype(int)
    seconds = np.sort(rng.uniform(0, days * 86_400, rows))
    return pd.DataFrame({
        "when": pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s"),
        "income": income, "debt": debt, "age": age, "tenure": tenure, "noise": noise,
        "region": region, "rating": rating, "defaulted": label,
        "prediction": probability.round(6)})
