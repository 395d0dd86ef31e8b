"""The decided-precedents classifier: P(Overturned) from request + case summary, refitted when
letters are left out, absent on a corpus too small to fit, and carried by every draft."""

from __future__ import annotations

import pytest

from imr_llm.drafting import draft_item
from imr_llm.precedents import DecisionClassifier, Precedent, PrecedentCorpus
from imr_llm.records import CaseFile

from .conftest import FakeLibrary, ScriptedModel

UP = "No objective neurologic deficit. Chronic pain without documented functional improvement."
OVER = "Acute injury with progressive weakness and dermatomal numbness after failed therapy."


def _corpus(n: int = 6) -> PrecedentCorpus:
    rows = []
    for i in range(n):
        rows.append(
            Precedent(
                case_number=f"CM-U{i}",
                request=f"MRI of the lumbar spine {i}",
                decision="Upheld",
                service="imaging",
                summary=f"Visit {i}. {UP}",
            )
        )
        rows.append(
            Precedent(
                case_number=f"CM-O{i}",
                request=f"MRI of the cervical spine {i}",
                decision="Overturned",
                service="imaging",
                summary=f"Visit {i}. {OVER}",
            )
        )
    return PrecedentCorpus(rows)


def test_classifier_separates_the_summaries_it_learned_from() -> None:
    clf = _corpus().classifier()
    assert clf.fitted and clf.n == 12 and clf.n_overturned == 6
    high = clf.p_overturned("MRI", "Progressive weakness and dermatomal numbness.")
    low = clf.p_overturned("MRI", "No neurologic deficit; no functional improvement.")
    assert high is not None and low is not None and high > 0.5 > low
    raising, lowering = clf.top_terms(3)
    assert set(raising) & {"weakness", "dermatomal", "numbness", "progressive", "cervical"}
    assert set(lowering) & {"neurologic", "deficit", "functional", "improvement", "lumbar"}


def test_left_out_letters_are_refitted_without_them_and_cached() -> None:
    corpus = _corpus()
    whole = corpus.classifier()
    without = corpus.classifier(exclude={"CM-O0", "CM-U0", "not-a-letter"})
    assert without is not whole and (without.n, without.n_overturned) == (10, 5)
    assert corpus.classifier(exclude={"CM-U0", "CM-O0"}) is without  # same set: fitted once
    assert corpus.classifier(exclude={"elsewhere"}) is whole  # unknown letters change nothing


def test_too_few_of_a_decision_gives_no_probability() -> None:
    small = _corpus(2)  # 2 Overturned < MIN_PER_CLASS
    assert not small.classifier().fitted
    assert small.classifier().p_overturned("MRI", OVER) is None
    assert DecisionClassifier([]).top_terms() == ([], [])


def test_draft_carries_the_classifier_probability(small_case: CaseFile) -> None:
    from imr_llm.drafting._decide import load_decision_config

    corpus = _corpus()
    config = load_decision_config().model_copy(update={"policy": "evidence"})
    d = draft_item(
        small_case,
        "Physical therapy 2x4",
        ScriptedModel({}),
        FakeLibrary(),
        precedents=corpus,
        decision_config=config,
        rationale="template",
    ).value
    text = " ".join(line.text for doc in small_case.documents for line in doc.lines)
    expected = corpus.classifier().p_overturned("Physical therapy 2x4", text)
    assert d.p_precedents is not None and expected is not None
    assert abs(d.p_precedents - expected) < 1e-4


def test_fast_probability_equals_sklearns_predict_proba_on_the_shipped_corpus() -> None:
    """`p_overturned` skips scikit-learn's per-call validation; its arithmetic must stay that of
    `TfidfVectorizer.transform` + `LogisticRegression.predict_proba`, for the corpus texts, for
    unseen wording, and for a text with no known word."""
    from imr_llm.precedents import load_precedents
    from imr_llm.precedents._classifier import precedent_text

    corpus = load_precedents()
    letter = corpus.precedents[0].case_number
    for clf in (corpus.classifier(), corpus.classifier(exclude=[letter])):
        assert clf._weights is not None  # the fast path is in use
        pairs = [(p.request, p.summary) for p in corpus.precedents[:40]]
        pairs += [("Zzyzx quux", "Nothing the vocabulary knows."), ("", "")]
        pairs += [(r + " for 6 weeks", s[::-1]) for r, s in pairs[:5]]
        for request, summary in pairs:
            features = clf._vectorizer.transform([precedent_text(request, summary)])
            expected = float(clf._model.predict_proba(features)[0][1])
            assert abs(clf.p_overturned(request, summary) - expected) < 1e-12


def test_left_out_fits_are_kept_least_recently_used_first_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from imr_llm.precedents import _corpus, load_precedents

    corpus = load_precedents()
    fresh = PrecedentCorpus(corpus.precedents)
    monkeypatch.setattr(_corpus, "MAX_CLASSIFIERS", 2)
    a, b, c = (frozenset({p.case_number}) for p in corpus.precedents[:3])
    first = fresh.classifier(exclude=a)
    fresh.classifier(exclude=b)
    assert fresh.classifier(exclude=a) is first  # kept, and now the most recent
    fresh.classifier(exclude=c)  # evicts b, not a
    assert list(fresh._classifiers) == [a & fresh._letters, c & fresh._letters]
