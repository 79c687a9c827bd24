"""The catalogue as a whole: audits that check each scenario's evidence supports its key."""

from lab.catalogue.fairness import Audit, audit

__all__ = ["Audit", "audit"]
