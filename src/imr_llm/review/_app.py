"""The reviewer workbench: a Starlette app over one case.

Pages: `/` (records beside the letter, summary, checklists, history, export), `/letter`
(printable letter). Actions (POST, with the per-process form token): `/draft`, `/rerun`,
`/save`, `/job/cancel`. JSON: `/api/job` (progress), `/api/follow` (which decision the
checklist allows). Downloads: `/export/md`, `/export/docx`, `/export/json`.

Only loopback host names are accepted (a page elsewhere cannot reach the app by DNS
rebinding), every POST needs the token the app's own pages carry (no cross-site form posts),
and responses are not cached (records are PHI).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from imr_llm._errors import ImrLlmError, InputError
from imr_llm.drafting import PromptSet, draft_item, draft_letter, load_prompts
from imr_llm.drafting._summarize import DEFAULT_RECORD_TOKENS, SUMMARY_CALLS
from imr_llm.llm import Model
from imr_llm.records import CaseFile, split_case
from imr_llm.review._edits import (
    EditError,
    apply_edits,
    criterion_statuses,
    decisions,
    follow,
    replace_item,
)
from imr_llm.review._export import (
    EXPORT_SUFFIX,
    build_export,
    letter_docx,
    letter_markdown,
)
from imr_llm.review._jobs import Job, JobRunner, TrackedModel
from imr_llm.review._store import CaseStore, Version
from imr_llm.review._view import environment

LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"]
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _default_factory(no_cache: bool) -> Callable[[str | None], Model]:
    def make(spec: str | None) -> Model:
        from imr_llm.llm import get_model

        return get_model(spec, cache=False) if no_cache else get_model(spec)

    return make


@dataclass
class Workbench:
    """One case under review and everything the pages act on."""

    case: CaseFile
    store: CaseStore
    library: Any
    prompts: PromptSet
    model_spec: str | None = None
    items: Sequence[str] = ()
    model_factory: Callable[[str | None], Model] = field(
        default_factory=lambda: _default_factory(False)
    )
    jobs: JobRunner = field(default_factory=JobRunner)
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    _models: dict[str | None, Model] = field(default_factory=dict)

    def model(self, spec: str | None) -> Model:
        """One model object per spec for the app's life (a local server is reused)."""
        if spec not in self._models:
            self._models[spec] = self.model_factory(spec)
        return self._models[spec]

    def _chunks(self) -> int:
        return len(split_case(self.case, DEFAULT_RECORD_TOKENS))

    def start_draft(self, spec: str | None = None) -> Job | None:
        """Summarize and draft every item (`items`, else the requests found in the records)."""
        spec = spec or self.model_spec
        chunks = self._chunks()
        total = len(SUMMARY_CALLS) * chunks + max(1, len(self.items)) * chunks

        def work(job: Job) -> int:
            model = TrackedModel(self.model(spec), job)
            done = draft_letter(
                self.case, model, self.library, items=list(self.items) or None, prompts=self.prompts
            )
            version = self.store.add("machine", done.value, model=spec or model.name)
            return version.number

        return self.jobs.start("draft", "Drafting the letter", total, work)

    def start_rerun(
        self, base: Version, index: int, spec: str | None, prompts_dir: str | None
    ) -> Job | None:
        """Re-draft item `index` of `base` with another model and/or prompt set."""
        prompts = load_prompts(Path(prompts_dir).expanduser()) if prompts_dir else self.prompts
        spec = spec or self.model_spec
        request = base.letter.items[index].request

        def work(job: Job) -> int:
            model = TrackedModel(self.model(spec), job)
            done = draft_item(
                self.case,
                request,
                model,
                self.library,
                prompts=prompts,
                summary=base.letter.summary,
            )
            letter, changes = replace_item(base.letter, index, done.value, self.prompts)
            if prompts_dir:
                changes = [f"{changes[0]} with prompts {prompts_dir}"]
            version = self.store.add(
                "rerun", letter, parent=base.number, model=spec or model.name, changes=changes
            )
            return version.number

        return self.jobs.start("rerun", f"Re-drafting item {index + 1}", self._chunks(), work)


class _Headers:
    """Adds the security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(bench: Workbench, *, allowed_hosts: Sequence[str] = LOOPBACK_HOSTS) -> Starlette:
    """The ASGI app over `bench` (nothing starts until a request or `bench.start_draft`)."""
    env = environment()
    env.globals.update(token=bench.token, statuses=criterion_statuses(), decisions=decisions())

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status)

    def shown(request: Request) -> tuple[Version | None, list[Version]]:
        versions = bench.store.versions()
        wanted = request.query_params.get("v")
        if wanted and wanted.isdigit():
            match = next((v for v in versions if v.number == int(wanted)), None)
            if match is not None:
                return match, versions
        return (versions[-1] if versions else None), versions

    def excerpts(version: Version | None) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for item in version.letter.items if version else []:
            for excerpt_id in item.excerpt_ids:
                try:
                    found[excerpt_id] = bench.library.get(excerpt_id)
                except (KeyError, LookupError, AttributeError):
                    continue
        return found

    def case_page(request: Request, error: str | None = None, status: int = 200) -> Response:
        version, versions = shown(request)
        cited: set[str] = set()
        if version:
            letter = version.letter
            evidence = [e for f in letter.summary.facts for e in f.evidence]
            evidence += [e for it in letter.items for c in it.criteria for e in c.evidence]
            for e in evidence:
                cited.update(f"{e.document_id}-L{n}" for n in range(e.line_start, e.line_end + 1))
        job = bench.jobs.current
        return page(
            "case.html",
            status,
            case=bench.case,
            version=version,
            versions=versions,
            latest=versions[-1].number if versions else None,
            machine=bench.store.machine(),
            cited=cited,
            excerpts=excerpts(version),
            job=job.as_json() if job else None,
            model_spec=bench.model_spec or "",
            error=error,
            saved=request.query_params.get("saved", "") if error is None else "",
        )

    def version_in(form: FormData) -> Version | None:
        raw = str(form.get("version", ""))
        return bench.store.get(int(raw)) if raw.isdigit() else None

    async def checked_form(request: Request) -> FormData:
        form = await request.form()
        if not secrets.compare_digest(str(form.get("token", "")), bench.token):
            raise PermissionError
        return form

    def forbidden() -> Response:
        return PlainTextResponse("missing or wrong form token: reload the page", status_code=403)

    async def index(request: Request) -> Response:
        return case_page(request)

    async def letter_view(request: Request) -> Response:
        version, _ = shown(request)
        if version is None:
            return PlainTextResponse("no draft yet", status_code=404)
        return page("letter.html", version=version)

    async def draft(request: Request) -> Response:
        try:
            form = await checked_form(request)
        except PermissionError:
            return forbidden()
        started = bench.start_draft(str(form.get("model") or "").strip() or None)
        if started is None:
            return case_page(request, "a job is already running", 409)
        return RedirectResponse("/", status_code=303)

    async def rerun(request: Request) -> Response:
        try:
            form = await checked_form(request)
        except PermissionError:
            return forbidden()
        base = version_in(form)
        index = str(form.get("item", ""))
        if base is None or not index.isdigit() or int(index) >= len(base.letter.items):
            return case_page(request, "unknown version or item", 400)
        try:
            started = bench.start_rerun(
                base,
                int(index),
                str(form.get("model") or "").strip() or None,
                str(form.get("prompts") or "").strip() or None,
            )
        except ImrLlmError as exc:
            return case_page(request, str(exc), 400)
        if started is None:
            return case_page(request, "a job is already running", 409)
        return RedirectResponse("/", status_code=303)

    async def save(request: Request) -> Response:
        try:
            form = await checked_form(request)
        except PermissionError:
            return forbidden()
        base = version_in(form)
        if base is None:
            return case_page(request, "unknown version", 400)
        values = {k: str(v) for k, v in form.items()}
        try:
            letter, changes = apply_edits(base.letter, values, bench.prompts)
        except EditError as exc:
            return case_page(request, f"not saved: {exc}", 400)
        note = values.get("note", "").strip()
        if not changes and not note:
            return case_page(request, "nothing changed: no new version saved", 200)
        version = bench.store.add(
            "reviewer", letter, parent=base.number, note=note, changes=changes
        )
        return RedirectResponse(f"/?saved={version.number}", status_code=303)

    async def cancel(request: Request) -> Response:
        try:
            await checked_form(request)
        except PermissionError:
            return forbidden()
        bench.jobs.cancel()
        return RedirectResponse("/", status_code=303)

    async def job_status(request: Request) -> Response:
        job = bench.jobs.current
        return JSONResponse(job.as_json() if job else None)

    async def follow_api(request: Request) -> Response:
        if not secrets.compare_digest(request.headers.get("x-review-token", ""), bench.token):
            return forbidden()
        body = await request.json()
        statuses = [str(s) for s in body.get("statuses", [])]
        if any(s not in criterion_statuses() for s in statuses):
            return JSONResponse({"error": "unknown status"}, status_code=400)
        problems = follow(statuses)
        allowed = [d for d, problem in problems.items() if problem is None]
        return JSONResponse({"allowed": allowed, "problems": problems})

    async def export(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        version, versions = shown(request)
        machine = bench.store.machine()
        if version is None or machine is None:
            return PlainTextResponse("no draft to export yet", status_code=404)
        stem = (version.letter.case_number or f"case-{bench.store.key}") + f"-v{version.number}"
        if fmt == "md":
            body: bytes = letter_markdown(version.letter).encode("utf-8")
            media, name = "text/markdown; charset=utf-8", f"{stem}.md"
        elif fmt == "docx":
            body, media, name = letter_docx(version.letter), DOCX_TYPE, f"{stem}.docx"
        elif fmt == "json":
            data = build_export(bench.store.records, machine, version, versions)
            body = (data.model_dump_json(indent=2) + "\n").encode("utf-8")
            media, name = "application/json", f"{stem}{EXPORT_SUFFIX}"
        else:
            return PlainTextResponse("unknown export format", status_code=404)
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    routes = [
        Route("/", index),
        Route("/letter", letter_view),
        Route("/draft", draft, methods=["POST"]),
        Route("/rerun", rerun, methods=["POST"]),
        Route("/save", save, methods=["POST"]),
        Route("/job/cancel", cancel, methods=["POST"]),
        Route("/api/job", job_status),
        Route("/api/follow", follow_api, methods=["POST"]),
        Route("/export/{fmt}", export),
        Mount("/static", StaticFiles(packages=[("imr_llm.review", "static")]), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(_Headers),
            Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
        ],
    )
    app.state.bench = bench
    return app


def open_workbench(
    records: Sequence[Path],
    *,
    state_dir: Path,
    model_spec: str | None = None,
    items: Sequence[str] = (),
    prompts_dir: Path | None = None,
    guidelines_dir: Path | None = None,
    no_cache: bool = False,
    model_factory: Callable[[str | None], Model] | None = None,
) -> Workbench:
    """Load the case, its saved versions and the library (bad input raises `InputError`)."""
    from imr_llm.guidelines import load_library
    from imr_llm.records import load_case

    paths = [Path(p) for p in records]
    if not paths:
        raise InputError("no record files given")
    case = load_case(paths)
    store = CaseStore(state_dir, case, paths)
    store.versions()  # a damaged version file is reported now, not on the first page
    return Workbench(
        case=case,
        store=store,
        library=load_library(guidelines_dir),
        prompts=load_prompts(prompts_dir),
        model_spec=model_spec,
        items=list(items),
        model_factory=model_factory or _default_factory(no_cache),
    )
