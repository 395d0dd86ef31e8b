"""ROUGE-L and phrase matching on tiny hand-worked pairs."""

from __future__ import annotations

import pytest

from imr_llm.evals._text import canonical, content_tokens, phrase_match, rouge_l_f1


def test_rouge_l_hand_worked() -> None:
    # reference: the cat sat on the mat (6 tokens); candidate: the cat on the mat (5 tokens)
    # LCS = "the cat on the mat" = 5; P = 5/5 = 1, R = 5/6; F1 = 2PR/(P+R) = (10/6)/(11/6) = 10/11
    assert rouge_l_f1("the cat sat on the mat", "the cat on the mat") == pytest.approx(10 / 11)


def test_rouge_l_disjoint_and_empty() -> None:
    assert rouge_l_f1("physical therapy", "acupuncture") == 0.0
    assert rouge_l_f1("physical therapy", "") == 0.0
    assert rouge_l_f1("", "physical therapy") == 0.0


def test_canonical_expands_synonyms() -> None:
    assert canonical("PT 2x/week, low back") == "physical therapy 2x week lumbar"
    assert canonical("chiropractor") == "chiropractic"  # a looser equivalence of the scorer
    assert "therapy" in content_tokens("Physical Therapy sessions")
    # the shared stemmer and stop words: plurals meet singulars, function words do not count
    assert content_tokens("lower extremities") == content_tokens("lower extremity")
    assert content_tokens("if this treatment") == frozenset({"treatment"})
    assert "without" in content_tokens("MRI without contrast")


def test_phrase_match() -> None:
    # gold words {physical, therapy, 2x6}; 'PT 2 times a week...' -> {physical, therapy, week}:
    # 2 of 3 gold words = 0.67 >= 0.5
    assert phrase_match("Physical therapy 2x6", "PT 2 times a week for 6 weeks")
    assert phrase_match("low back", "lumbar spine")  # 'lumbar' is contained
    assert not phrase_match("MRI lumbar spine", "acupuncture")


def test_rouge_l_f1_equals_rouge_score_library_on_real_letter_text() -> None:
    import json
    import random
    from pathlib import Path

    from rouge_score import rouge_scorer

    gold = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "letters" / "gold.jsonl"
    texts: list[str] = []
    for line in gold.read_text().splitlines():
        record = json.loads(line)
        texts.append(record["clinical_case_summary"][:800])
        texts += [item["decision_rationale"][:800] for item in record["items"]]
    rng = random.Random(7)
    pairs = [(rng.choice(texts), rng.choice(texts)) for _ in range(60)]
    pairs += [(t, t) for t in texts[:5]] + [("Walking walked walks", "walk"), ("a b", "...")]
    library = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    for reference, candidate in pairs:
        expected = library.score(reference, candidate)["rougeL"].fmeasure
        assert rouge_l_f1(reference, candidate) == expected


def test_lcs_length_small_cases() -> None:
    from imr_llm.evals._text import lcs_length

    assert lcs_length(list("ABCBDAB"), list("BDCABA")) == 4
    assert lcs_length(["a"], ["b"]) == 0
    assert lcs_length([], ["a"]) == 0
    assert lcs_length(list("aaaa"), list("aa")) == 2
