"""Guideline excerpt library (files + metadata) and BM25 retrieval.

from imr_llm.guidelines import load_library
library = load_library()                      # the shipped starter library
for excerpt in library.retrieve("Norco 10/325mg #90", k=3):
    print(excerpt.citation().text)
"""

from imr_llm.guidelines._citation import citation_for
from imr_llm.guidelines._library import Hit, Library
from imr_llm.guidelines._loader import load_excerpt, load_library, starter_dir
from imr_llm.guidelines._models import Excerpt

__all__ = [
    "Excerpt",
    "Hit",
    "Library",
    "citation_for",
    "load_excerpt",
    "load_library",
    "starter_dir",
]
