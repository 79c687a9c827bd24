"""A new category the model never saw in training arrives in production (a real change)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.drift.base import Injector, draw_with_offset, require_feature
from lab.worlds.base import World


class UnseenCategory(Injector):
    """A ``share`` of affected rows take a brand-new value ``value`` of ``feature``.

    It is a real change of the world (a new payment method, a new repository), so the
    labels of those rows are drawn again: ``effect`` is the new category's effect on the
    log-odds of the label, in place of the effect of the category it replaced (0 = as
    risky as an average row with no category effect). ``replaces`` limits which old
    categories give way to it (default: any).
    """

    kind = "unseen_category"
    category = "covariate"

    def __init__(self, feature: str, value: str, share: float = 0.3, effect: float = 0.0,
                 replaces: list[str] | None = None, **timing):
        super().__init__(**timing)
        self.feature = feature
        self.value = value
        self.share = share
        self.effect = effect
        self.replaces = replaces
        if not isinstance(value, str) or not value:
            raise ValueError("value must name the new category")
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")

    def _inject(self, frame: pd.DataFrame, world: World, mask: np.ndarray,
                rng: np.random.Generator) -> list[str]:
        require_feature(world, self.feature, "categorical")
        known = world.schema[self.feature].categories
        if self.value in known:
            raise ValueError(f"category {self.value!r} is already a value of "
                             f"{self.feature!r}; an unseen category needs a new name")
        unknown = set(self.replaces or []) - set(known)
        if unknown:
            raise ValueError(f"replaces has categories {sorted(unknown)} that {self.feature!r} "
                             f"does not have; allowed: {list(known)}")
        eligible = mask & (rng.random(len(frame)) < self.share)
        if self.replaces:
            eligible &= frame[self.feature].isin(self.replaces).to_numpy()
        frame[self.feature] = frame[self.feature].astype(object)
        frame.loc[eligible, self.feature] = self.value
        target = world.schema.target
        if target in frame and eligible.any():
            frame.loc[eligible, target] = draw_with_offset(world, frame.loc[eligible],
                                                           self.effect, rng)
        return [self.feature]

    def label_probability(self, world, clean, faulty, mask) -> np.ndarray:
        from scipy.special import expit

        new = (faulty[self.feature] == self.value).to_numpy()
        return expit(world.intercept_ + world._logit(faulty) + np.where(new, self.effect, 0.0))

    def root_cause(self, world: World) -> str:
        risk = ("riskier" if self.effect > 0 else "safer" if self.effect < 0 else "no riskier")
        return (f"A new value {self.value!r} of {self.feature} appeared in production "
                f"({self.share:.0%} of rows; {risk} than average, log-odds {self.effect:+g}); "
                "the model never saw it.")
