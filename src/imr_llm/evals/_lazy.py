"""Samples of a letters JSONL dataset without every letter in memory: `LetterSamples`.

A 10,000-sample dataset held as `Sample` objects (each with its gold item, citations and record
text) is ~75 MB of pydantic objects; 100,000 samples would not fit a small machine. A
`LetterSamples` reads the file once to index it (per sample: the byte offset of its letter's line,
its item number and its case id) and builds a `Sample` when it is asked for one, from that one
line, exactly as `letter_samples` would (the letters most recently read are kept, so a pass in
order reads each line once). It is a read-only `Sequence[Sample]`: `len`, indexing, slicing
(a view) and iteration work as on the list it replaces; `ids()` lists the sample ids without
building samples and `subset(ids)` is a view of those samples.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

from pydantic import ValidationError

from imr_llm._errors import InputError
from imr_llm.evals._samples import Sample, Task, samples_of_letter
from imr_llm.letters._models import DecisionLetter

CACHED_LETTERS = 8


class _Index:
    """Per sample: its letter's line offset, its position among the letter's samples (from 1),
    its case id and its id."""

    def __init__(self, path: Path, task: Task) -> None:
        self.path = path
        self.task = task
        self.offsets = array("q")
        self.items = array("i")
        self.case_ids: list[str] = []
        self.ids: list[str] = []
        self._cache: OrderedDict[int, list[Sample]] = OrderedDict()

    def build(self) -> None:
        seen: dict[str, int] = {}
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", path=self.path) from exc
        with handle:
            offset = 0
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        letter = DecisionLetter.model_validate_json(line)
                    except ValidationError as exc:
                        raise InputError(
                            f"line {number} is not a DecisionLetter ({exc.error_count()} errors)",
                            path=self.path,
                        ) from exc
                    base = letter.case_number or Path(letter.source).stem
                    seen[base] = seen.get(base, 0) + 1
                    case_id = base if seen[base] == 1 else f"{base}~{seen[base]}"
                    for k, sample in enumerate(samples_of_letter(letter, case_id, self.task), 1):
                        self.offsets.append(offset)
                        self.items.append(k)
                        self.case_ids.append(case_id)
                        self.ids.append(sample.id)
                offset += len(line)

    def sample(self, i: int) -> Sample:
        offset = self.offsets[i]
        samples = self._cache.get(offset)
        if samples is None:
            with self.path.open("rb") as handle:
                handle.seek(offset)
                letter = DecisionLetter.model_validate_json(handle.readline())
            samples = samples_of_letter(letter, self.case_ids[i], self.task)
            self._cache[offset] = samples
            while len(self._cache) > CACHED_LETTERS:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(offset)
        return samples[self.items[i] - 1]


class LetterSamples(Sequence[Sample]):
    """A lazy, read-only sequence of the samples of a letters JSONL (see the module docstring)."""

    def __init__(self, index: _Index, positions: Sequence[int] | range) -> None:
        self._index = index
        self._positions = positions

    @classmethod
    def load(cls, path: Path, task: Task) -> LetterSamples:
        index = _Index(path, task)
        index.build()
        return cls(index, range(len(index.ids)))

    def __len__(self) -> int:
        return len(self._positions)

    @overload
    def __getitem__(self, i: int) -> Sample: ...
    @overload
    def __getitem__(self, i: slice) -> LetterSamples: ...
    def __getitem__(self, i: int | slice) -> Sample | LetterSamples:
        if isinstance(i, slice):
            return LetterSamples(self._index, self._positions[i])
        return self._index.sample(self._positions[i])

    def __iter__(self) -> Iterator[Sample]:
        for position in self._positions:
            yield self._index.sample(position)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # unhashable (defines __eq__), as a list is

    def ids(self) -> list[str]:
        return [self._index.ids[p] for p in self._positions]

    def subset(self, ids: set[str]) -> LetterSamples:
        """A view of the samples whose id is in `ids`, in this order."""
        return LetterSamples(
            self._index, array("q", (p for p in self._positions if self._index.ids[p] in ids))
        )

    def __repr__(self) -> str:
        return f"LetterSamples({self._index.path}, {len(self)} samples)"


def sample_ids(samples: Sequence[Sample]) -> list[str]:
    """Ids of `samples` (without building lazy samples)."""
    return samples.ids() if isinstance(samples, LetterSamples) else [s.id for s in samples]


def without(samples: Sequence[Sample], done: set[str]) -> Sequence[Sample]:
    """`samples` minus those whose id is in `done`, keeping a lazy dataset lazy."""
    if isinstance(samples, LetterSamples):
        return samples.subset({i for i in samples.ids() if i not in done})
    return [s for s in samples if s.id not in done]


def is_lazy(samples: Any) -> bool:
    return isinstance(samples, LetterSamples)
