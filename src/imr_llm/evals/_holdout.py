"""Leave-one-letter-out retrieval: no guideline excerpt quoted from the letter being scored.

Most excerpts of the starter guideline library are `decision-quote`s: guideline wording as an
expert reviewer quoted it in a real letter (`Excerpt.source_letter`), often from the very
letters the eval scores. Retrieving the scored letter's own quote would hand the drafter (and
the extractive baseline) the real rationale's wording and citation. So, by default, retrieval
for a sample skips excerpts whose `source_letter` names the sample's letter (its case number
or file stem; for a synthetic case, the letter it was written from). `holdout=False` turns
this off (and the run config records it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


class HeldOutLibrary:
    """A library view whose `retrieve` never returns excerpts from the `excluded` letters."""

    def __init__(self, library: Any, excluded: Iterable[str]) -> None:
        self.library = library
        self.excluded = frozenset(e for e in excluded if e)
        self._n_excluded = sum(1 for e in _excerpts(library) if self._is_excluded(e))

    def _is_excluded(self, excerpt: Any) -> bool:
        return getattr(excerpt, "source_letter", None) in self.excluded

    def retrieve(self, query: str, k: int = 3, **kwargs: Any) -> Sequence[Any]:
        if not self._n_excluded:
            return list(self.library.retrieve(query, k=k, **kwargs))
        found = self.library.retrieve(query, k=k + self._n_excluded, **kwargs)
        return [e for e in found if not self._is_excluded(e)][:k]

    def __getattr__(self, name: str) -> Any:  # everything else: the wrapped library
        return getattr(self.library, name)


def _excerpts(library: Any) -> Iterable[Any]:
    try:
        return list(library)
    except TypeError:
        return list(getattr(library, "excerpts", ()))


def library_for(library: Any, excluded: Sequence[str], holdout: bool) -> Any:
    """The library a sample's retrieval should use (None stays None)."""
    if library is None or not holdout or not excluded:
        return library
    return HeldOutLibrary(library, excluded)
