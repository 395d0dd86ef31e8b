"""P(Overturned) learned from decided precedents: TF-IDF over request + case summary, L2
logistic regression (scikit-learn), refitted whenever letters are left out.

Why a classifier and not the share of Overturned among the nearest precedents: on a small corpus
that share is biased against the item being scored once its own letter is left out (removing an
Overturned item lowers its neighbours' rate exactly when the answer is Overturned), and it ignores
the case facts. Word weights learned from the whole case summary carry the facts a reviewer
turns on ("no neurologic deficit", "improved with", "first visit"). The classes are weighted to
balance, so the probability is on an even prior; the decision settings add the corpus prior back.
A corpus with fewer than `MIN_PER_CLASS` items of either decision gives no probability (None).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imr_llm.precedents._corpus import Precedent

MIN_PER_CLASS = 3
SUMMARY_CHARS = 4000


def precedent_text(request: str, summary: str) -> str:
    """What the classifier reads: the request twice (it is short and decisive) and the summary."""
    return f"{request} {request} {summary[:SUMMARY_CHARS]}"


def new_vectorizer() -> Any:
    """TF-IDF over lower-case words of two letters or more, English stop words left out."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        sublinear_tf=True, min_df=2, stop_words="english", token_pattern=r"(?u)\b[a-z]{2,}\b"
    )


_blas_lock = threading.Lock()
_blas_users = 0
_blas_limiter: Any = None
_controller: Any = None


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """BLAS at one thread while any caller is inside (threadpoolctl; reference-counted, so
    concurrent callers neither race nor leave the limit behind). The fits and predictions
    here are tiny: OpenBLAS's own threads only spin, 10-30 ms of CPU per drafted item on
    2 cores, taken from the eval's threads and worker processes."""
    global _blas_users, _blas_limiter, _controller
    with _blas_lock:
        if _blas_users == 0:
            if _controller is None:
                from threadpoolctl import ThreadpoolController

                _controller = ThreadpoolController()
            _blas_limiter = _controller.limit(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


class _TermWeights:
    """P(Overturned) of one text from the fitted vectorizer and regression, without
    scikit-learn's per-call input validation (1-2 ms a call, paid once per drafted item).
    The arithmetic is the documented one of `TfidfVectorizer(sublinear_tf=True, norm="l2")`
    followed by the binary `LogisticRegression.predict_proba`: tf = 1 + ln(count), x = tf *
    idf / ||tf * idf||, p = sigmoid(x . coef + intercept); the sklearn analyzer and vocabulary
    are used as they are. tests/drafting/test_precedent_classifier.py pins it equal to
    `predict_proba`."""

    def __init__(self, analyzer: Any, vocabulary: dict[str, int], idf: Any, coef: Any, b: float):
        # the vectorizer's own vocabulary and idf and the model's coefficients, not copies:
        # one corpus's left-out-letter classifiers share the first two
        self.analyzer = analyzer
        self.vocabulary = vocabulary
        self.idf = idf
        self.coef = coef
        self.intercept = b

    def p(self, text: str) -> float:
        import numpy as np

        counts: dict[int, int] = {}
        for token in self.analyzer(text):
            j = self.vocabulary.get(token)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        z = self.intercept
        if counts:
            index = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
            x = tf * self.idf[index]
            z += float(x @ self.coef[index]) / math.sqrt(float(x @ x))
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def _term_weights(vectorizer: Any, model: Any) -> _TermWeights | None:
    """The fast path for a vectorizer configured as `new_vectorizer` makes it, else None."""
    params = vectorizer.get_params()
    if not (
        params.get("sublinear_tf") is True
        and params.get("norm") == "l2"
        and params.get("use_idf") is True
        and params.get("binary") is False
        and len(model.classes_) == 2
    ):
        return None
    return _TermWeights(
        vectorizer.build_analyzer(),
        vectorizer.vocabulary_,
        vectorizer.idf_,
        model.coef_[0],
        float(model.intercept_[0]),
    )


class DecisionClassifier:
    """Fitted on a set of precedents; `p_overturned(request, summary)`."""

    def __init__(
        self,
        precedents: Sequence[Precedent],
        *,
        c: float = 1.0,
        vectorizer: Any = None,
        features: Any = None,
    ) -> None:
        """Fit on `precedents`; `vectorizer` and `features` (its rows for these precedents)
        reuse a vocabulary already fitted on a whole corpus (see `PrecedentCorpus.classifier`)."""
        from sklearn import config_context
        from sklearn.linear_model import LogisticRegression

        labels = [p.decision == "Overturned" for p in precedents]
        self.n = len(labels)
        self.n_overturned = sum(labels)
        self._vectorizer: Any = None
        self._model: Any = None
        self._weights: _TermWeights | None = None
        if min(self.n_overturned, self.n - self.n_overturned) < MIN_PER_CLASS:
            return
        if vectorizer is None:
            vectorizer = new_vectorizer()
            features = vectorizer.fit_transform(
                [precedent_text(p.request, p.summary) for p in precedents]
            )
        self._vectorizer = vectorizer
        self._model = LogisticRegression(C=c, class_weight="balanced", max_iter=1000)
        # the features are a TF-IDF matrix and the parameters are set here: scikit-learn's own
        # checks of both (its documented switches) cost a tenth of a fit, and an eval fits once
        # per left-out letter
        with (
            single_threaded_blas(),
            config_context(assume_finite=True, skip_parameter_validation=True),
        ):
            self._model.fit(features, labels)

        self._weights = _term_weights(vectorizer, self._model)

    @property
    def fitted(self) -> bool:
        return self._model is not None

    def p_overturned(self, request: str, summary: str) -> float | None:
        if self._model is None:
            return None
        text = precedent_text(request, summary)
        if self._weights is not None:
            return self._weights.p(text)
        features = self._vectorizer.transform([text])
        with single_threaded_blas():
            return float(self._model.predict_proba(features)[0][1])

    def top_terms(self, k: int = 10) -> tuple[list[str], list[str]]:
        """The `k` terms that most raise and most lower P(Overturned) (for reports)."""
        if self._model is None:
            return [], []
        names = self._vectorizer.get_feature_names_out()
        order = self._model.coef_[0].argsort()
        return [str(names[i]) for i in order[::-1][:k]], [str(names[i]) for i in order[:k]]
