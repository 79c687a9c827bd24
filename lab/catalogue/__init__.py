"""The catalogue as a whole: audits that check each scenario's evidence supports its key."""

from lab.catalogue.fairness import Audit, audit
from lab.catalogue.truth import measured_truth, measured_truth_of_champion

__all__ = ["Audit", "audit", "measured_truth", "measured_truth_of_champion"]
