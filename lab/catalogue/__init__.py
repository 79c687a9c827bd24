"""The catalogue as a whole: audits that check each scenario's evidence supports its key."""

from lab.catalogue.fairness import Audit, audit, audit_many
from lab.catalogue.truth import measured_truth, measured_truth_of_champion

__all__ = ["Audit", "audit", "audit_many", "measured_truth", "measured_truth_of_champion"]
