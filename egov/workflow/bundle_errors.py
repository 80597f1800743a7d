"""The error of compiling and running a bundle (re-exported by `egov.workflow.bundle`)."""

from __future__ import annotations

from typing import Any


class WorkflowError(Exception):
    """Engine-level error with a kebab-case ``code``, German ``message`` and log ``details``;
    ``invalid_params`` name the refused parts of a bundle (RFC 9457 style)."""

    def __init__(
        self,
        code: str,
        message: str,
        details: str = "",
        invalid_params: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details
        self.invalid_params = invalid_params or []
