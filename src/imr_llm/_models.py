"""Shared base for every contract model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Contract(BaseModel):
    """Base for models that pass between steps: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")
