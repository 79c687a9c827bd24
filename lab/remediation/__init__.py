"""Remediation: after the diagnosis, apply a remedy and watch the week after production.

:func:`evaluate_remedies` (pure) runs every remedy on the same next week and gives each
one's realised precision, recall and cost per day, and a chosen remedy's regret against
the best. :mod:`lab.remediation.lifecycle` applies one to a workspace's registered model
through MLflow aliases, and :mod:`lab.remediation.live` runs the next week through the real
server. See docs/remediation.md.
"""

from lab.remediation.evaluate import REMEDIES, RemedyEvaluation, action_of, evaluate_remedies
from lab.remediation.outcome import Outcome
from lab.remediation.retrain import Live, RemedyError

__all__ = ["REMEDIES", "Live", "Outcome", "RemedyError", "RemedyEvaluation", "action_of",
           "evaluate_remedies"]
