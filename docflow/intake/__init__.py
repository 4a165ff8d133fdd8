"""Intake: taking a dropped submission in and reading it safely (see ``parse``)."""

from docflow.intake.parse import LoadedSubmission, load_submission, load_submission_bytes

__all__ = ["LoadedSubmission", "load_submission", "load_submission_bytes"]
