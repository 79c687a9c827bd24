"""A model's ``@challenger`` served beside its ``@champion``: shadow or canary.

* **shadow**: the challenger scores every request too; its score and decision are logged
  (the store's shadow table, with its version) but the answer is the champion's.
* **canary**: a share of requests is answered by the challenger. Which ones is decided by a
  hash of the request id and the rollout's seed, so the same ids with the same seed always
  split the same way (a retried request goes to the same version), and the share holds for
  any traffic.

The rollout is a tag of the registered model (:func:`lab.tracking.set_rollout`), read when
the server loads the model; ``POST /models/{name}/rollout`` sets it and reloads.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

MODES = ("off", "shadow", "canary")


class RolloutError(ValueError):
    """A rollout asked for wrongly: ``field`` names what, ``reason`` why."""

    def __init__(self, field: str, reason: str):
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


@dataclass(frozen=True)
class Rollout:
    mode: str = "off"
    share: float = 0.0  # canary: the share of requests the challenger answers
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form :func:`parse` reads back (a share only for a canary)."""
        out = asdict(self)
        if self.mode != "canary":
            del out["share"]
        return out

    def challenger_answers(self, request_id: str) -> bool:
        """Canary: whether the challenger answers this request (always False otherwise)."""
        return self.mode == "canary" and bucket(request_id, self.seed) < self.share


OFF = Rollout()


def bucket(request_id: str, seed: int) -> float:
    """A request's place in [0, 1), uniform over ids, fixed for an id and a seed."""
    digest = hashlib.blake2b(f"{seed}:{request_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def parse(raw: dict[str, Any] | None) -> Rollout:
    """A rollout from its JSON form; :class:`RolloutError` names the field that is wrong."""
    if not raw:
        return OFF
    if not isinstance(raw, dict):
        raise RolloutError("body", "an object {mode, share, seed}")
    unknown = sorted(set(raw) - {"mode", "share", "seed"})
    if unknown:
        raise RolloutError(unknown[0], "unknown field; allowed: mode, share, seed")
    mode = raw.get("mode")
    if mode not in MODES:
        raise RolloutError("mode", f"{mode!r} is not allowed; allowed: {list(MODES)}")
    share = raw.get("share")
    if mode == "canary":
        if isinstance(share, bool) or not isinstance(share, (int, float)):
            raise RolloutError("share", "a canary needs the share of requests the "
                               "challenger answers, a number in (0, 1]")
        if not 0.0 < float(share) <= 1.0:
            raise RolloutError("share", f"must be in (0, 1], got {share}")
    elif "share" in raw:
        raise RolloutError("share", f"only a canary has a share (mode is {mode!r})")
    seed = raw.get("seed", 0)
    if isinstance(seed, float) and seed.is_integer():  # JSON Schema's integer includes 1.0
        seed = int(seed)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise RolloutError("seed", f"a whole number >= 0, got {seed!r}")
    return Rollout(mode, float(share) if mode == "canary" else 0.0, seed)


def body_schema() -> dict[str, Any]:
    """The JSON Schema of ``POST /models/{name}/rollout``'s body: exactly what
    :func:`parse` accepts (a share only for a canary, and required there)."""
    seed = {"type": "integer", "minimum": 0,
            "description": "Which requests a canary sends to the challenger (a hash of "
                           "their id and this seed)."}
    share = {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
             "description": "The share of requests the challenger answers."}

    def one(mode: str, **extra: Any) -> dict[str, Any]:
        properties = {"mode": {"const": mode}, "seed": seed, **extra}
        return {"type": "object", "properties": properties, "additionalProperties": False,
                "required": ["mode", *extra]}

    return {"oneOf": [one("off"), one("shadow"), one("canary", share=share)]}
