"""Real IMR final determination letters -> `DecisionLetter` gold records.

from imr_llm.letters import parse_letter, load_letters
letter = parse_letter("CM17-0005177.pdf")        # PDF (encrypted or not) or .txt
gold = load_letters("evals/datasets/letters/gold.jsonl")   # or a directory of letters
"""

from imr_llm.letters._extract import extract_text
from imr_llm.letters._models import (
    Decision,
    DecisionLetter,
    GuidelineCitation,
    LetterItem,
    Reviewer,
)
from imr_llm.letters._parse import (
    letter_paths,
    load_letters,
    parse_letter,
    parse_letter_text,
    read_jsonl,
    to_jsonl_line,
)

__all__ = [
    "Decision",
    "DecisionLetter",
    "GuidelineCitation",
    "LetterItem",
    "Reviewer",
    "extract_text",
    "letter_paths",
    "load_letters",
    "parse_letter",
    "parse_letter_text",
    "read_jsonl",
    "to_jsonl_line",
]
