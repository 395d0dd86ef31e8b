"""What produces a prediction for a sample: a baseline or a model through `imr_llm.drafting`."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from imr_llm._errors import InputError
from imr_llm.drafting._models import CaseSummary, ItemDraft
from imr_llm.drafting._prompts import PromptSet, load_prompts
from imr_llm.evals._baselines import ExtractiveBaseline, MajorityBaseline, is_baseline
from imr_llm.evals._config import DraftOptions
from imr_llm.evals._holdout import library_for
from imr_llm.evals._samples import Sample, Task
from imr_llm.llm._model import Completion, Model, Usage


class Predictor(Protocol):
    name: str

    def predict(self, sample: Sample) -> tuple[ItemDraft | CaseSummary, Usage]: ...


class CaseCache:
    """Builds (once per case, thread-safely) the `CaseFile` a sample's record stands for.

    Keeps the `max_cases` most recently used cases (a dataset lists a case's samples together),
    so that memory stays flat over 10,000+ samples."""

    def __init__(self, max_cases: int = 256) -> None:
        self._cases: OrderedDict[str, Any] = OrderedDict()
        self._skips: OrderedDict[str, frozenset[tuple[str, int]]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_cases = max_cases

    def case(self, sample: Sample) -> Any:
        with self._lock:
            if sample.case_id in self._cases:
                self._cases.move_to_end(sample.case_id)
                return self._cases[sample.case_id]
        from imr_llm.records import case_from_text, load_case

        if sample.record_paths:
            case = load_case([Path(p) for p in sample.record_paths])
        else:
            case = case_from_text(sample.record_text or "", doc_id="D1", source=sample.source)
        with self._lock:
            self._cases[sample.case_id] = case
            while len(self._cases) > self.max_cases:
                self._cases.popitem(last=False)
        return case

    def skip_lines(self, sample: Sample) -> frozenset[tuple[str, int]]:
        """The lines of the sample's case the checklist never reads (`lines_to_skip`),
        computed once per case: a letter's items share its records."""
        with self._lock:
            found = self._skips.get(sample.case_id)
        if found is None:
            from imr_llm.drafting._draft import lines_to_skip

            found = lines_to_skip(self.case(sample))
            with self._lock:
                self._skips[sample.case_id] = found
                while len(self._skips) > self.max_cases:
                    self._skips.popitem(last=False)
        return found

    def text(self, sample: Sample) -> str:
        if sample.record_text is not None:
            return sample.record_text
        case = self.case(sample)
        return "\n".join(line.text for doc in case.documents for line in doc.lines)


def load_guideline_library() -> Any:
    from imr_llm.guidelines import load_library

    return load_library()


class ModelPredictor:
    """Drafts with a model: `drafting.draft_item` or `drafting.summarize` on the sample's case."""

    def __init__(
        self,
        model: Model,
        task: Task,
        prompts: Any = None,
        library: Any = None,
        *,
        holdout: bool = True,
        draft_options: DraftOptions | None = None,
    ) -> None:
        self.model = model
        self.task = task
        self.holdout = holdout
        options = draft_options or DraftOptions()
        self.draft_options: dict[str, Any] = options.model_dump(exclude_none=True)
        if options.precedents is not None:
            from imr_llm.precedents import load_precedents

            self.draft_options["precedents"] = load_precedents(options.precedents)
        self.name = model.name
        self.prompts = prompts
        self.library = (
            library if library is not None or task == "summary" else (load_guideline_library())
        )
        self.cases = CaseCache()

    def prepare(self, samples: Iterable[Sample], max_fits: int | None = None) -> None:
        """Fit, before the samples run, the precedents classifier each sample will ask for
        (one per distinct left-out letter set, at most `max_fits`, by default as many as the
        corpus keeps: `precedents.MAX_CLASSIFIERS`): fitted one after another
        here they take ~3 ms each, while fits racing the run's threads for the GIL took 10x
        the CPU, and worker processes (`--workers`) inherit them instead of each fitting its
        own. One pass over the samples (a lazy dataset stays lazy: each is built and dropped)."""
        if self.task != "draft":
            return
        from imr_llm.precedents import load_precedents
        from imr_llm.precedents._corpus import MAX_CLASSIFIERS

        corpus = self.draft_options.get("precedents") or load_precedents()
        limit = MAX_CLASSIFIERS if max_fits is None else max_fits
        seen: set[frozenset[str]] = set()
        for sample in samples:
            exclude = self.prepare_key(sample)
            if exclude not in seen:
                seen.add(exclude)
                corpus.classifier(exclude=exclude)
                if len(seen) >= limit:
                    return

    def prepare_key(self, sample: Sample) -> frozenset[str]:
        """Samples with the same key share what `prepare` fits (their left-out letters): with
        `--workers`, each worker prepares the keys of the samples it is given."""
        if self.task != "draft" or not self.holdout:
            return frozenset()
        return frozenset(sample.held_out)

    def predict(self, sample: Sample) -> tuple[ItemDraft | CaseSummary, Usage]:
        from imr_llm import drafting

        case = self.cases.case(sample)
        completion: Completion[ItemDraft] | Completion[CaseSummary]
        if sample.task == "draft":
            library = library_for(self.library, sample.held_out, self.holdout)
            completion = drafting.draft_item(
                case,
                sample.request or "",
                self.model,
                library,
                prompts=self.prompts,
                exclude_letters=sample.held_out if self.holdout else (),
                skip_lines=self.cases.skip_lines(sample),
                **self.draft_options,
            )
        else:
            completion = drafting.summarize(case, self.model, prompts=self.prompts)
        return completion.value, completion.usage


def prepare(predictor: Any, samples: Iterable[Sample]) -> None:
    """Run the predictor's `prepare(samples)` (its fits before the samples run), if it has one."""
    method = getattr(predictor, "prepare", None)
    if method is not None:
        method(samples)


def load_prompt_set(directory: str | Path | None) -> tuple[PromptSet, str]:
    """(PromptSet, its version) for a `--prompts` directory; None means the defaults. Loaded
    once per run and handed to every sample, so templates are not re-read per call."""
    if directory is not None and not Path(directory).is_dir():
        raise InputError("prompts directory not found", path=directory)
    prompts = load_prompts(Path(directory) if directory is not None else None)
    return prompts, prompts.version


def make_predictor(
    model: str | Model | Predictor,
    task: Task,
    *,
    prompts: Any = None,
    cache: bool = True,
    library: Any = None,
    holdout: bool = True,
    draft_options: DraftOptions | None = None,
) -> Predictor:
    """A baseline for 'baseline/...' specs (no model is ever built for those), else a model
    from `imr_llm.llm.get_model(spec, cache=cache)` (or the `Model` given). An object with a
    `predict(sample)` method is used as it is (a custom system, or a fake in tests)."""
    if not isinstance(model, str | Model):
        return model
    if isinstance(model, str) and is_baseline(model):
        if model == "baseline/majority":
            return MajorityBaseline()
        if model == "baseline/records":
            if task != "summary":
                raise InputError("baseline/records evaluates summaries only (--task summary)")
            from imr_llm.evals._baselines import RecordsBaseline

            return RecordsBaseline(CaseCache().case)
        if model == "baseline/extractive":
            cases = CaseCache()
            if task == "draft" and library is None:
                library = load_guideline_library()
            return ExtractiveBaseline(library, cases.text, holdout=holdout)
        raise InputError(
            f"unknown baseline {model!r} (known: baseline/majority, baseline/extractive, "
            "baseline/records)"
        )
    if isinstance(model, str):
        from imr_llm.llm import get_model

        model = get_model(model, cache=cache)
    return ModelPredictor(
        model, task, prompts=prompts, library=library, holdout=holdout, draft_options=draft_options
    )
