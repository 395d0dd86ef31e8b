"""Precedents: decided items from parsed IMR letters, retrieved per request as worked examples.

from imr_llm.precedents import load_precedents
corpus = load_precedents()                    # the shipped corpus (public letters)
for p, sim in corpus.retrieve("MRI of the lumbar spine", "imaging", k=3, exclude={"CM17-0001"}):
    print(p.decision, p.request)
"""

from imr_llm.precedents._classifier import DecisionClassifier
from imr_llm.precedents._corpus import (
    Precedent,
    PrecedentCorpus,
    default_corpus_file,
    load_precedents,
    precedents_from_letters,
)

__all__ = [
    "DecisionClassifier",
    "Precedent",
    "PrecedentCorpus",
    "default_corpus_file",
    "load_precedents",
    "precedents_from_letters",
]
