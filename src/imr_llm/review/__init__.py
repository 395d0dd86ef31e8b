"""The reviewer workbench (`imr-llm review`): a local web app over one case.

The records beside the draft letter, summary and checklists; evidence references link to the
record line; a reviewer's edits are saved as new versions beside the machine draft; exports
(Markdown, DOCX, and machine draft + reviewer-final JSON for `imr-llm eval`). It calls the
library (`load_case`, `draft_letter`, `draft_item`, `render_letter`); it drafts nothing itself.

    from imr_llm.review import open_workbench, create_app
    bench = open_workbench(["path/to/records"], state_dir=dir)
    app = create_app(bench)          # any ASGI server; `imr-llm review` uses uvicorn
"""

from imr_llm.review._app import LOOPBACK_HOSTS, Workbench, create_app, open_workbench
from imr_llm.review._edits import EditError, apply_edits, replace_item
from imr_llm.review._export import (
    EXPORT_SUFFIX,
    ReviewExport,
    build_export,
    letter_docx,
    letter_markdown,
)
from imr_llm.review._jobs import Cancelled, Job, JobRunner, TrackedModel
from imr_llm.review._store import CaseStore, Version, case_key, default_state_dir

__all__ = [
    "EXPORT_SUFFIX",
    "LOOPBACK_HOSTS",
    "Cancelled",
    "CaseStore",
    "EditError",
    "Job",
    "JobRunner",
    "ReviewExport",
    "TrackedModel",
    "Version",
    "Workbench",
    "apply_edits",
    "build_export",
    "case_key",
    "create_app",
    "default_state_dir",
    "letter_docx",
    "letter_markdown",
    "open_workbench",
    "replace_item",
]
