"""Guideline routing: a disputed request -> service type x body part x phase -> the chapter and
section a MAXIMUS reviewer cites, and the checklist criteria for it.

The table is data (`routing/routes.toml`, or a file of the same shape passed as `path`): service
types and body parts are named by general clinical vocabulary (procedure names, drug classes and
their common names), never by the wording of one letter. See the file's header for its provenance.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from imr_llm._errors import GuidelineLibraryError
from imr_llm._models import Contract
from imr_llm.guidelines._citation import NO_EVIDENCE, NON_MTUS_PREFIX
from imr_llm.letters._models import GuidelineCitation

Phase = Literal["acute", "chronic", "postsurgical", "unknown"]
ACUTE_DAYS = 90
"""Days from the injury within which a condition is treated as acute (the Chronic Pain Medical
Treatment Guidelines define chronic pain as pain lasting past the normal healing time, taken
here as three months)."""

_POSTSURGICAL = re.compile(r"\bpost[- ]?(op|operative|surgical)\b|\bafter surgery\b", re.I)


class _Vocab(Contract):
    id: str
    patterns: list[str] = Field(min_length=1)


class CitationSpec(Contract):
    basis: Literal["MTUS", "Non-MTUS", "none"]
    guideline: str | None = None
    year: int | None = None
    sections: list[str] = Field(default_factory=list)

    def citation(self) -> GuidelineCitation:
        """The MAXIMUS guideline line in the letters' wording."""
        if self.basis == "none" or not self.guideline:
            return GuidelineCitation(basis="none", text=NO_EVIDENCE)
        if self.basis == "MTUS":
            part = f"{self.guideline} {self.year}" if self.year else self.guideline
            if self.sections:
                part += ", Section(s): " + ", ".join(self.sections)
            return GuidelineCitation(
                basis="MTUS",
                guideline=self.guideline,
                year=self.year,
                sections=list(self.sections),
                text=f"Decision based on MTUS {part}.",
            )
        cited = ", ".join([self.guideline, *self.sections])
        return GuidelineCitation(
            basis="Non-MTUS",
            guideline=cited,
            year=self.year,
            text=f"{NON_MTUS_PREFIX} Decision based on Non-MTUS Citation {cited}.",
        )


class Route(Contract):
    service: str = Field(description="Service id, or '*' for the fallback route.")
    body: list[str] = Field(default_factory=list, description="Body parts; empty = any.")
    phase: Phase | None = Field(default=None, description="Only in this phase; None = any.")
    citation: CitationSpec
    criteria: list[str] = Field(default_factory=list, description="Criterion ids (criteria.toml).")
    limits: dict[str, float] = Field(
        default_factory=dict, description="Numbers the guideline gives, e.g. {'visits': 10}."
    )


class RoutingTable(Contract):
    service: list[_Vocab]
    body: list[_Vocab]
    route: list[Route]


class RouteMatch(Contract):
    """Where a request was routed, and why."""

    service: str
    body_parts: list[str] = Field(default_factory=list)
    phase: Phase = "unknown"
    matched: str | None = Field(default=None, description="The request words that named it.")
    route: Route

    @property
    def citation(self) -> GuidelineCitation:
        return self.route.citation.citation()

    @property
    def guideline(self) -> str | None:
        return self.route.citation.guideline


@dataclass(frozen=True)
class Router:
    table: RoutingTable
    services: tuple[tuple[str, re.Pattern[str]], ...]
    bodies: tuple[tuple[str, re.Pattern[str]], ...]

    @classmethod
    def from_table(cls, table: RoutingTable) -> Router:
        def compile_all(vocab: list[_Vocab]) -> tuple[tuple[str, re.Pattern[str]], ...]:
            return tuple(
                (v.id, re.compile("|".join(f"(?:{p})" for p in v.patterns))) for v in vocab
            )

        return cls(table, compile_all(table.service), compile_all(table.body))

    def service_of(self, request: str) -> tuple[str, str | None]:
        """The service type a request asks for: read from its head, the words before a
        context clause ('... following knee arthroscopy', '... to evaluate for a tear',
        '(non-surgical)'), else from the whole request. A device or unit whose context is a
        surgery is a service associated with it."""
        text = request.lower()
        cut = next((m.start() for m in _CONTEXT.finditer(text) if m.start() > 0), len(text))
        head, context = text[:cut], text[cut:]
        found = self._first(head) if head.strip() else None
        if found is None:
            return self._first(text) or ("*", None)
        if found[0] == "dme" and context and self._is_surgery(context):
            return "associated", found[1]
        return found

    def _first(self, text: str) -> tuple[str, str] | None:
        for sid, pattern in self.services:
            if m := pattern.search(text):
                return sid, m.group(0)
        return None

    def _is_surgery(self, text: str) -> bool:
        text = re.sub(r"\bnon-?\s?(surgical|operative)\b", " ", text)
        return any(sid == "surgery" and p.search(text) for sid, p in self.services) or bool(
            _POSTSURGICAL.search(text)
        )

    memo: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)
    """Body parts of recent contexts (a case's context is routed once per item)."""

    def body_parts(self, text: str) -> list[str]:
        low = text.lower()
        return [bid for bid, pattern in self.bodies if pattern.search(low)]

    def _context_parts(self, context: str) -> list[str]:
        found = self.memo.get(context)
        if found is None:
            found = tuple(self.body_parts(context))
            if len(self.memo) >= 256:
                self.memo.clear()
            self.memo[context] = found
        return list(found)

    def route(
        self, request: str, *, days_since_injury: int | None = None, context: str = ""
    ) -> RouteMatch:
        """Route `request`. Body parts come from the request, else from `context` (e.g. the
        case's body parts); the phase from the request's wording (post-operative) and the days
        since the injury."""
        service, matched = self.service_of(request)
        bodies = self.body_parts(request) or self._context_parts(context)
        phase: Phase = "unknown"
        if _POSTSURGICAL.search(request):
            phase = "postsurgical"
        elif days_since_injury is not None:
            phase = "acute" if days_since_injury <= ACUTE_DAYS else "chronic"
        for route in self.table.route:
            if route.service not in (service, "*"):
                continue
            if route.body and not set(route.body) & set(bodies):
                continue
            if route.phase and route.phase != phase:
                continue
            return RouteMatch(
                service=service, body_parts=bodies, phase=phase, matched=matched, route=route
            )
        raise GuidelineLibraryError("routing table has no route for this request (add '*')")


_CONTEXT = re.compile(
    r"\(|\b(following|after|post(?![-\s]?op)|for|regarding|re:|to (evaluate|assess|determine|"
    r"rule out|avoid|confirm)|prior to|before|in lieu of|instead of|status post|s/p|due to|"
    r"secondary to|while on|possible)\b"
)
"""Where a request's context starts: the procedure, condition or purpose it is for or after."""


def routes_file() -> Path:
    return Path(str(resources.files("imr_llm.guidelines") / "routing" / "routes.toml"))


def load_router(path: Path | None = None) -> Router:
    """The routing table at `path` (None: the shipped one), validated and compiled."""
    return _load(str(path or routes_file()))


@lru_cache(maxsize=8)
def _load(path: str) -> Router:
    try:
        data: dict[str, Any] = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        table = RoutingTable.model_validate(data)
        router = Router.from_table(table)
    except OSError as exc:
        raise GuidelineLibraryError(
            f"cannot read routing table: {exc.strerror}", path=path
        ) from None
    except (tomllib.TOMLDecodeError, ValidationError, re.error) as exc:
        first = str(exc).splitlines()[0]
        raise GuidelineLibraryError(f"invalid routing table: {first}", path=path) from None
    if not any(r.service == "*" for r in table.route):
        raise GuidelineLibraryError(
            "routing table needs a fallback route (service = '*')", path=path
        )
    return router
