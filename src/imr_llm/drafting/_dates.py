"""The date module lives in `imr_llm.records._dates` (records, drafting and the eval share it);
this name stays for the drafting code that imports it."""

from imr_llm.records._dates import DateMention, find_dates, parse_date

__all__ = ["DateMention", "find_dates", "parse_date"]
