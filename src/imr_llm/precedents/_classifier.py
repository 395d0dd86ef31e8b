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

from collections.abc import Sequence
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
        from sklearn.linear_model import LogisticRegression

        labels = [p.decision == "Overturned" for p in precedents]
        self.n = len(labels)
        self.n_overturned = sum(labels)
        self._vectorizer: Any = None
        self._model: Any = None
        if min(self.n_overturned, self.n - self.n_overturned) < MIN_PER_CLASS:
            return
        if vectorizer is None:
            vectorizer = new_vectorizer()
            features = vectorizer.fit_transform(
                [precedent_text(p.request, p.summary) for p in precedents]
            )
        self._vectorizer = vectorizer
        self._model = LogisticRegression(C=c, class_weight="balanced", max_iter=1000)
        self._model.fit(features, labels)

    @property
    def fitted(self) -> bool:
        return self._model is not None

    def p_overturned(self, request: str, summary: str) -> float | None:
        if self._model is None:
            return None
        features = self._vectorizer.transform([precedent_text(request, summary)])
        return float(self._model.predict_proba(features)[0][1])

    def top_terms(self, k: int = 10) -> tuple[list[str], list[str]]:
        """The `k` terms that most raise and most lower P(Overturned) (for reports)."""
        if self._model is None:
            return [], []
        names = self._vectorizer.get_feature_names_out()
        order = self._model.coef_[0].argsort()
        return [str(names[i]) for i in order[::-1][:k]], [str(names[i]) for i in order[:k]]
