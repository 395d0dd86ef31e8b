"""Model specs, the instructor-backed client, retries, cache, usage; local/ runs llama.cpp."""

from imr_llm.llm._model import Completion, Message, Model, Usage

__all__ = ["Completion", "Message", "Model", "Usage"]
