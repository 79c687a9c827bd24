"""The fault taxonomy, shown: one example of every registered fault kind, injected into a
clean production stream, with what it does to the inputs and to a trained model."""

from lab.taxonomy.effects import FaultEffect, effects_table, fault_effects
from lab.taxonomy.examples import EXAMPLES, example_plan

__all__ = ["EXAMPLES", "FaultEffect", "effects_table", "example_plan", "fault_effects"]
