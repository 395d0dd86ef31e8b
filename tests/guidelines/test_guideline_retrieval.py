"""BM25 retrieval over the starter library returns the right topic for typical requests."""

from __future__ import annotations

import pytest

from imr_llm.guidelines import Excerpt, Library, load_library
from imr_llm.guidelines._tokens import BODY_PART_BUDGET, SYNONYM_WEIGHT, query_terms, tokenize


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


@pytest.mark.parametrize(
    ("request_text", "topic"),
    [
        ("Physical therapy 2x6 lumbar spine", "physical medicine"),
        (
            "Physical Therapy Sessions, 2x/wk for 6 weeks, for the Cervical Spine, Thoracic "
            "Spine, and Lumbar Spine",
            "physical medicine",
        ),
        ("Additional PT 3x2 for the neck", "physical medicine"),
        ("Norco 10/325mg #90", "opioids"),
        ("Ultram 50mg #60", "opioids"),
        ("MRI of the lumbar spine", "low back imaging"),
        ("TENS unit rental", "TENS and electrical stimulation"),
        ("Flexeril 10mg #90", "muscle relaxants"),
        ("Chiropractic care for the low back; six sessions", "chiropractic and manipulation"),
        ("Acupuncture 2 times a week for 3 weeks", "acupuncture"),
        ("MRI of the cervical spine without contrast", "neck imaging"),
        ("MRI of the right shoulder", "shoulder imaging"),
        ("MRI left knee", "knee imaging"),
        ("EMG/NCV of the bilateral upper extremities", "electrodiagnostic testing"),
        ("Flurbiprofen 20%, Baclofen 5% in cream base", "topical analgesics"),
        ("Urine drug screen", "urine drug testing"),
        ("Work conditioning 2x4 for low back", "work conditioning and hardening"),
        ("Motrin 600mg #40", "NSAIDs"),
        ("Lumbar ESI L4-5", "injections"),
        ("Home health aide 6 hours per day", "home health and DME"),
        ("Right knee arthroscopy with medial meniscectomy", "surgery"),
        ("Comprehensive psychological testing", "psychological care"),
        ("Functional capacity evaluation", "functional capacity evaluation"),
    ],
)
def test_top_hit_topic(library: Library, request_text: str, topic: str) -> None:
    hits = library.retrieve(request_text, k=3)
    assert hits, request_text
    assert hits[0].topic == topic, [h.id for h in hits]


def test_mtus_ranks_before_odg_on_the_same_topic(library: Library) -> None:
    hits = library.retrieve("MRI of the cervical spine", k=3)
    assert hits[0].basis == "MTUS"


def test_k_limits_and_order(library: Library) -> None:
    hits = library.search("physical therapy", k=2)
    assert len(hits) == 2
    assert hits[0].score >= hits[1].score
    assert library.search("physical therapy", k=0) == []


def test_unrelated_query_returns_nothing(library: Library) -> None:
    assert library.retrieve("the of and", k=3) == []
    assert library.retrieve("zzzz qqqq", k=3) == []


def test_retrieve_returns_excerpts(library: Library) -> None:
    hits = library.retrieve("Norco", k=3)
    assert all(isinstance(h, Excerpt) for h in hits)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Norco 10/325mg #90", {"norco", "opioid", "hydrocodone"}),
        ("PT 2x6", {"physical", "therapy"}),
        ("ESI L4-5", {"esi", "epidural", "steroid", "injection"}),
        ("X-rays of the cervical spine", {"xray", "radiograph", "cervical", "spine"}),
        ("TENS unit", {"tens", "transcutaneous", "unit"}),
        ("low back", {"lumbar"}),
    ],
)
def test_tokenize_expands_synonyms(text: str, expected: set[str]) -> None:
    assert expected <= set(tokenize(text))


def test_tokenize_drops_doses_counts_and_stopwords() -> None:
    tokens = tokenize("Norco 10/325mg #90 for the left knee, 2x6")
    assert not any(t[0].isdigit() for t in tokens)
    assert "the" not in tokens and "left" not in tokens


def test_library_accessors(library: Library) -> None:
    assert "cp-tens-trial" in library
    excerpt = library.get("cp-tens-trial")
    assert excerpt.topic == "TENS and electrical stimulation"
    assert sum(library.topics().values()) == len(library)
    assert library.citation([excerpt]).text == excerpt.citation().text
    with pytest.raises(KeyError):
        library.get("no-such-excerpt")


def test_library_rejects_empty_and_duplicates(library: Library) -> None:
    with pytest.raises(ValueError, match="at least one"):
        Library([])
    excerpt = library.get("cp-tens-trial")
    with pytest.raises(ValueError, match="duplicate"):
        Library([excerpt, excerpt])


def test_small_user_library_still_scores() -> None:
    """Plain Okapi idf is 0 for a term in half the documents; Lucene idf keeps it positive."""
    small = Library(
        [
            Excerpt.model_validate(
                {
                    "id": name,
                    "guideline": "Chronic Pain Medical Treatment",
                    "basis": "MTUS",
                    "topic": name,
                    "kind": "regulation",
                    "source": "test",
                    "text": text,
                }
            )
            for name, text in (("tens", "TENS trial."), ("pt", "Physical therapy visits."))
        ]
    )
    assert [e.id for e in small.retrieve("TENS unit", k=2)] == ["tens"]


def test_body_part_picks_among_one_treatment(library: Library) -> None:
    assert {h.topic for h in library.retrieve("MRI of the lumbar spine", k=3)} == {
        "low back imaging"
    }


def test_query_weights() -> None:
    terms = query_terms("Norco for the cervical, thoracic and lumbar spine")
    assert terms["norco"] == 1.0
    assert terms["opioid"] == SYNONYM_WEIGHT
    body = [terms[t] for t in ("cervical", "thoracic", "lumbar", "spine")]
    assert sum(body) <= BODY_PART_BUDGET + 1e-9


@pytest.mark.parametrize(
    "request_text",
    [
        "Postoperative physical therapy x 12",
        "Post-op PT 2x6 right shoulder",
        "post-operative physical therapy 12 visits for the knee",
    ],
)
def test_the_treatment_outweighs_a_postoperative_modifier(
    library: Library, request_text: str
) -> None:
    hits = library.retrieve(request_text, k=2)
    assert [h.topic for h in hits] == ["physical medicine", "physical medicine"], [
        h.id for h in hits
    ]


def test_postoperative_alone_still_finds_the_postoperative_excerpt(library: Library) -> None:
    assert library.retrieve("postoperative pain medication", k=1)[0].id == "opioids-postoperative"
