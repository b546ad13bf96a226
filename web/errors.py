"""The only place where engine and domain errors become HTTP statuses.

API errors are JSON: ``{"error": code, "message": text, "details": [...]}``. A page request
(a browser asking for HTML outside /api/) gets the same status with a readable page.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from hazardflow.engine import (
    Conflict,
    DeploymentError,
    EngineError,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
)
from hazardflow.engine.errors import ProcessFailed, StartFailed

STATUS: list[tuple[type[EngineError], int]] = [
    (PayloadTooLarge, 413), (DeploymentError, 422), (InvalidInput, 422), (NotFound, 404),
    (Forbidden, 403), (Conflict, 409), (ProcessFailed, 409), (StartFailed, 422),
]


class ApiError(Exception):
    """An error raised by the web layer itself (bad request shape, auth, throttling)."""

    def __init__(self, status: int, code: str, message: str,
                 details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or []


NOT_PAGES = ("/api/", "/healthz", "/readyz", "/metrics", "/static/")


def wants_page() -> bool:
    """A browser asking for a page (not the API, not a script asking for JSON)."""
    if request.path.startswith(NOT_PAGES):
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best != "application/json"


def error_response(status: int, code: str, message: str,
                   details: list[dict[str, Any]] | None = None) -> tuple[Response, int]:
    if wants_page():
        try:
            html = render_template("error.html", status=status, code=code, message=message,
                                   details=details or [])
            return Response(html, mimetype="text/html"), status
        except Exception:  # noqa: S110  (the error page itself failed: answer in JSON)
            pass
    return jsonify({"error": code, "message": message, "details": details or []}), status


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api(exc: ApiError) -> tuple[Response, int]:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(EngineError)
    def _engine(exc: EngineError) -> tuple[Response, int]:
        status = next((s for cls, s in STATUS if isinstance(exc, cls)), 400)
        details = [d.as_dict() for d in exc.details]
        response, code = error_response(status, exc.code, exc.message, details)
        if response.mimetype != "application/json":
            return response, code
        payload = response.get_json()
        if isinstance(exc, ProcessFailed):
            payload["incident"] = exc.incident_id
        if exc.case_id is not None:
            payload["case"] = exc.case_id
        if exc.task_id is not None:
            payload["task"] = exc.task_id
        return jsonify(payload), code

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[Response, int]:
        status = exc.code or 500
        code = {413: "too_large", 404: "not_found", 405: "method_not_allowed",
                400: "bad_request", 429: "too_many_requests"}.get(status, "http_error")
        message = exc.description or exc.name
        if message == type(exc).description:  # werkzeug's own English sentence
            message = HTTP_MESSAGES.get(status, f"请求未能处理 ({exc.name})")
        return error_response(status, code, message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        app.logger.exception("unhandled error")
        return error_response(500, "internal", HTTP_MESSAGES[500])


HTTP_MESSAGES: dict[int, str] = {
    400: "请求有误，请检查后重试 (bad request)",
    401: "请先登录 (please sign in)",
    403: "您没有权限执行此操作 (you may not do this)",
    404: "找不到该页面或对象 (not found)",
    405: "不支持该请求方式 (method not allowed)",
    413: "上传或提交的内容过大 (the request is too large)",
    415: "不支持该内容类型 (unsupported media type)",
    500: "系统出现意外错误，已记录，请稍后再试 (an unexpected error occurred; it was logged)",
}
