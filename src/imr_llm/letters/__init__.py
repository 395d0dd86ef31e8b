"""Real IMR final determination letters -> `DecisionLetter` gold records."""

from imr_llm.letters._models import (
    Decision,
    DecisionLetter,
    GuidelineCitation,
    LetterItem,
    Reviewer,
)

__all__ = ["Decision", "DecisionLetter", "GuidelineCitation", "LetterItem", "Reviewer"]
