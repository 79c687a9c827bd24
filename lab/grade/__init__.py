"""Grading: an answer sheet against the truth and the run the candidate saw.

See docs/grading.md for every part, its points and a worked example.
"""

from lab.grade.answers import (
    STATISTICS,
    AnswerError,
    Answers,
    Claim,
    check_against,
    load_answers,
)
from lab.grade.claims import TOLERANCE, ClaimCheck, check_claim
from lab.grade.core import (
    HINT_CAPS,
    THRESHOLD_RUBRIC,
    WEIGHTS,
    Grade,
    Part,
    best_threshold,
    capped_by_hints,
    evidence_claims,
    grade,
    model_answers,
    option_order,
)
from lab.grade.evidence import (
    RunEvidence,
    RunNotFound,
    clean_validation,
    evidence_by_replay,
    evidence_from_run,
)
from lab.grade.scores import format_score, round_score
from lab.grade.text import find_concepts
from lab.grade.threshold import check_threshold, regret_score
from lab.scenario import ACTIONS, PROBLEM_KINDS

__all__ = ["ACTIONS", "HINT_CAPS", "PROBLEM_KINDS", "STATISTICS", "THRESHOLD_RUBRIC",
           "TOLERANCE", "WEIGHTS",
           "AnswerError", "Answers", "Claim", "ClaimCheck", "Grade", "Part", "RunEvidence",
           "best_threshold", "capped_by_hints", "check_against", "check_claim", "check_threshold",
           "RunNotFound", "clean_validation", "evidence_by_replay", "evidence_from_run",
           "evidence_claims", "find_concepts",
           "format_score", "grade", "load_answers", "model_answers", "option_order",
           "regret_score", "round_score"]
