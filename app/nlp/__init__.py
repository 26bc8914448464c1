"""Language processing for German process texts (rule-based, offline)."""

from .step_kind import classify_step, classify_steps, explain_step

__all__ = ["classify_step", "classify_steps", "explain_step"]
