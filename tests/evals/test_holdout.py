"""Leave-one-letter-out retrieval: a sample never retrieves its own letter's quotes."""

from __future__ import annotations

from dataclasses import dataclass, field

from imr_llm.evals._baselines import ExtractiveBaseline
from imr_llm.evals._holdout import HeldOutLibrary, library_for
from imr_llm.evals._samples import Sample
from imr_llm.guidelines import load_library
from imr_llm.letters import GuidelineCitation


@dataclass
class _Excerpt:
    id: str
    source_letter: str | None
    text: str = "Physical therapy is recommended for 8-10 visits."
    criteria: list[str] = field(default_factory=list)

    def citation(self) -> GuidelineCitation:
        return GuidelineCitation(basis="MTUS", guideline=self.id, text=self.id)


class _Library:
    """Ranks excerpts in list order (stands for BM25)."""

    def __init__(self, excerpts: list[_Excerpt]) -> None:
        self.excerpts = excerpts

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.excerpts)

    def retrieve(self, query: str, k: int = 3) -> list[_Excerpt]:
        return self.excerpts[:k]


LIBRARY = _Library(
    [
        _Excerpt("own-1", "CM1"),
        _Excerpt("other-1", "CM2"),
        _Excerpt("own-2", "CM1"),
        _Excerpt("regulation", None),
        _Excerpt("other-2", "CM3"),
    ]
)


def test_held_out_library_skips_the_letters_own_quotes_and_keeps_k() -> None:
    assert [e.id for e in LIBRARY.retrieve("pt", k=3)] == ["own-1", "other-1", "own-2"]
    held = HeldOutLibrary(LIBRARY, ["CM1", "CM1.pdf"])
    assert [e.id for e in held.retrieve("pt", k=3)] == ["other-1", "regulation", "other-2"]
    assert library_for(LIBRARY, ["CM1"], holdout=False) is LIBRARY
    assert library_for(None, ["CM1"], holdout=True) is None


def test_extractive_baseline_cites_no_own_quote() -> None:
    sample = Sample(
        id="CM1#1",
        task="draft",
        case_id="CM1",
        source="CM1.pdf",
        record_text="Back pain.",
        request="Physical therapy",
        held_out=["CM1"],
    )
    held, _ = ExtractiveBaseline(LIBRARY, lambda s: s.record_text).predict(sample)
    leaky, _ = ExtractiveBaseline(LIBRARY, lambda s: s.record_text, holdout=False).predict(sample)
    assert held.excerpt_ids == ["other-1"]  # type: ignore[union-attr]
    assert leaky.excerpt_ids == ["own-1"]  # type: ignore[union-attr]


def test_real_starter_library_quote_is_held_out() -> None:
    library = load_library()
    quote = next(e for e in library if e.source_letter)
    query = f"{quote.topic} {' '.join(quote.keywords)}"
    assert quote.id in [e.id for e in library.retrieve(query, k=len(list(library)))]
    held = HeldOutLibrary(library, [quote.source_letter])  # type: ignore[list-item]
    kept = held.retrieve(query, k=5)
    assert kept and all(e.source_letter != quote.source_letter for e in kept)
