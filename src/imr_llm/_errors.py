"""One error family for the whole library.

The CLI maps these to exit codes: bad input -> 2, endpoint failure -> 3, failed eval gate -> 1.
Messages name the file and the problem; they never contain record text (PHI).
"""

from __future__ import annotations

from pathlib import Path


class ImrLlmError(Exception):
    """Base class for every error `imr_llm` raises on purpose."""

    exit_code: int = 1


class InputError(ImrLlmError):
    """Bad input: a file that cannot be read, parsed or validated."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | Path | None = None) -> None:
        self.path = str(path) if path is not None else None
        super().__init__(f"{self.path}: {message}" if self.path else message)


class LetterParseError(InputError):
    """A file that is not (or not a complete) IMR final determination letter."""


class RecordsError(InputError):
    """A case-file document that cannot be ingested."""


class GuidelineLibraryError(InputError):
    """A guideline excerpt file with missing or invalid metadata."""


class PromptError(InputError):
    """A prompt template that is missing or invalid."""


class ModelError(ImrLlmError):
    """The model endpoint failed (after retries) or returned nothing usable."""

    exit_code = 3


class ModelConfigError(ModelError):
    """A model spec or endpoint configuration that cannot be used."""


class LocalModelError(ModelError):
    """The embedded local model could not be assembled, verified or started."""


class GateFailed(ImrLlmError):
    """An eval gate (`--fail-if`) was not met."""

    exit_code = 1
