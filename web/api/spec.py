"""The OpenAPI 3.1 document of API v1, made by spectree from the pydantic models the handlers
validate with, served at GET /api/v1/openapi.json.

Each handler is decorated with :func:`endpoint`: its ``operationId``, tag, the models of
its query and JSON body (validated before the handler runs; a request that does not match
is refused with the app's own 400 ``{error, message, details: [{field, message}]}``), the
models of its answers by status (an answer that does not match its model is a logged 500,
never a silent lie) and the error statuses it may answer. Every operation may also answer
400 (a malformed request) and 500; one that needs a token 401; one with a body 413.
Bodies that are not JSON (multipart uploads, BPMN XML) and files answered (PDF, XML, Excel,
images) are described here too, by content type.
"""

from __future__ import annotations

import copy
import functools
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Response as FlaskResponse
from flask import current_app, make_response, request
from pydantic import BaseModel, ValidationError
from spectree import Response as Responses
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType
from spectree.plugins.flask_plugin import FlaskPlugin

from ..converters import MAX_ID
from ..errors import ApiError
from .models.common import Error, Object

View = Callable[..., Any]

DESCRIPTIONS = {
    200: "成功 (OK)", 201: "已创建 (created)", 204: "已完成，无内容 (done, no content)",
    400: "请求格式不对：见 details (malformed request: see details)",
    401: "未登录或令牌无效 (not signed in, or the token is invalid)",
    403: "无权进行此操作 (not allowed)",
    404: "不存在或您无权查看 (not found, or not visible to you)",
    405: "不支持该方法 (method not allowed)",
    409: "冲突：已不可办理、已被他人认领、版本已过时或出现异常 (conflict: no longer ready, "
         "claimed by someone else, a stale revision, or an incident)",
    413: "请求过大 (too large)",
    422: "数据、表单或 BPMN 不符合要求：见 details (invalid data, form or BPMN: see details)",
    429: "尝试次数过多 (too many attempts)",
    500: "意外错误，已记录 (unexpected error, logged)",
}

BINARY = {"type": "string", "format": "binary"}


class ApiPlugin(FlaskPlugin):
    """spectree's Flask plugin, reading only the routes under /api/v1/, and passing files
    on unread (a file answer has no model; reading a streamed one would fail)."""

    def find_routes(self) -> Any:
        for rule in current_app.url_map.iter_rules():
            if rule.rule.startswith("/api/v1/"):
                yield rule

    def validate_response(self, resp: Any, resp_model: Any, skip_validation: bool,
                          force_resp_serialize: bool) -> Any:
        payload = resp[0] if isinstance(resp, tuple) else resp
        if isinstance(payload, FlaskResponse) and not payload.is_json:
            return make_response(resp), None
        return super().validate_response(resp, resp_model, skip_validation,
                                          force_resp_serialize)


def _field(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _message(error: Mapping[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    known = {
        "missing": "必填 (required)",
        "string_type": "须为文本 (must be text)",
        "int_type": "须为整数 (must be a whole number)",
        "int_parsing": "须为整数 (must be a whole number)",
        "int_from_float": "须为整数 (must be a whole number)",
        "bool_type": "须为 true 或 false (must be true or false)",
        "bool_parsing": "须为 true 或 false (must be true or false)",
        "dict_type": "须为 JSON 对象 (must be a JSON object)",
        "model_type": "须为 JSON 对象 (must be a JSON object)",
        "model_attributes_type": "须为 JSON 对象 (must be a JSON object)",
        "list_type": "须为数组 (must be an array)",
        "date_parsing": "须为日期 YYYY-MM-DD (must be a date)",
        "date_from_datetime_parsing": "须为日期 YYYY-MM-DD (must be a date)",
        "date_type": "须为日期 YYYY-MM-DD (must be a date)",
        "string_pattern_mismatch": f"格式不符 (must match {ctx.get('pattern')})",
        "extra_forbidden": "不认识的字段 (unknown field)",
    }
    if kind in known:
        return known[kind]
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于 {ctx.get('ge', ctx.get('gt'))} (too small)"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于 {ctx.get('le', ctx.get('lt'))} (too large)"
    if kind == "string_too_long":
        return f"最多 {ctx.get('max_length')} 个字符 (too long)"
    if kind == "string_too_short":
        return f"至少 {ctx.get('min_length')} 个字符 (too short)"
    if kind in ("literal_error", "enum"):
        return f"须为以下之一：{ctx.get('expected')} (must be one of them)"
    return f"不符合要求 ({error.get('msg', kind)})"


def refuse_invalid_request(req: Any, resp: Any, error: Exception | None, instance: Any,
                           adapter: Any) -> None:
    """spectree's ``before`` hook: a request its models refuse gets the app's error."""
    if error is None:
        return
    if not isinstance(error, ValidationError):
        raise error
    where = {"query": "查询参数", "json": "请求体"}
    details = [{"field": _field(e["loc"]), "message": _message(e)}
               for e in error.errors(include_url=False)]
    place = where["query"] if request.method in ("GET", "DELETE") else where["json"]
    fields = "、".join(dict.fromkeys(d["field"] for d in details))
    raise ApiError(400, "bad_request", f"{place}不符合接口说明：{fields}，见 details (the "
                                       f"request does not match the API description: "
                                       f"{fields}; see details)", details)


class AnswerDoesNotMatch(RuntimeError):
    """An answer that does not match its documented model: a bug, answered as a 500."""


def refuse_invalid_answer(req: Any, resp: Any, error: Exception | None, instance: Any,
                          adapter: Any) -> None:
    """spectree's ``after`` hook: an answer its model refuses becomes a logged 500."""
    if error is not None:
        raise AnswerDoesNotMatch(f"{req.method} {req.path}: {error}")


_MODELS: dict[str, type[BaseModel]] = {}  # component name -> the one model it names


def _models_in(annotation: Any) -> Iterable[type[BaseModel]]:
    """The pydantic models an annotation names, nested in ``list[...]``, ``X | None``…"""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _models_in(argument)


def _component_name(model: type[BaseModel]) -> str:
    """A model's name in ``components/schemas``: its class name, which no other model, nor
    one nested in its fields, may share (their schemas would overwrite each other's and the
    document would lie about one of them)."""
    pending, seen = [model], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        named = _MODELS.setdefault(current.__name__, current)
        if named is not current:
            raise TypeError(f"two API models are named {current.__name__}: "
                            f"{named.__module__} and {current.__module__}; rename one")
        pending += [m for f in current.model_fields.values() for m in _models_in(f.annotation)]
    return model.__name__


api = SpecTree(
    backend=ApiPlugin, mode="strict", annotations=True,
    title="hazardflow API", version="1",
    description="安全生产隐患排查治理：隐患、案件与待办 (hazards, their cases and task "
                "inboxes). 表单数据 `data` 是对象，其 JSON Schema 由 `form_url` 给出 (a form's "
                "`data` is an object whose JSON Schema `form_url` links to).",
    page_templates={}, naming_strategy=_component_name,
    nested_naming_strategy=lambda parent, child: child,
    security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(
        type=SecureType.HTTP, scheme="bearer"))],
    security={"bearer": []}, before=refuse_invalid_request, after=refuse_invalid_answer,
    validation_error_status=400, validation_error_model=Error,
)

# operationId -> what spectree cannot say itself: bodies and answers that are not JSON
EXTRA: dict[str, dict[str, Any]] = {}


def endpoint(operation_id: str, tag: str, ok: Mapping[int, type[BaseModel] | None], *,
             errors: Iterable[int] = (), query: type[BaseModel] | None = None,
             json: type[BaseModel] | None = None, body_optional: bool = False,
             body: Mapping[str, Any] | None = None,
             files: Mapping[int, Mapping[str, Any]] | None = None,
             headers: Mapping[str, str] | None = None,
             path: Mapping[str, Mapping[str, Any]] | None = None, summary: str = "",
             public: bool = False) -> Callable[[View], View]:
    """Describe and validate one operation (see the module doc). ``body``: request content
    by media type when it is not JSON; ``files``: answers by status that are files, by
    media type; ``headers``: optional request headers it reads, with what they mean;
    ``path``: more JSON Schema for path parameters than their converter says (a pattern,
    an enum); ``summary``: when the view's docstring cannot say it (a shared handler);
    ``public``: no token needed."""
    statuses = {*ok, *errors, 400, 500, *(() if public else (401,)),
                *((413,) if json is not None or body is not None else ())}
    models: dict[str, Any] = {}
    for status in sorted(statuses):
        model = ok.get(status) if status < 400 else Error
        models[f"HTTP_{status}"] = (model, DESCRIPTIONS[status])
    EXTRA[operation_id] = {"body": dict(body or {}), "files": dict(files or {}),
                           "headers": dict(headers or {}), "path": dict(path or {}),
                           "summary": summary}
    validate = api.validate(query=query, json=json, resp=Responses(**models), tags=[tag],
                            operation_id=operation_id, security={} if public else None)

    def decorate(view: View) -> View:
        checked = validate(view)
        if json is None:
            return checked

        @functools.wraps(checked)
        def json_object(*args: Any, **kwargs: Any) -> Any:
            if not (body_optional and not request.get_data(cache=True)):
                if not isinstance(request.get_json(silent=True), dict):
                    raise ApiError(400, "bad_request", "请求体须为 JSON 对象 (the body must "
                                   "be a JSON object, Content-Type: application/json)")
            return checked(*args, **kwargs)
        return json_object
    return decorate


def _error(status: int) -> dict[str, Any]:
    return {"description": DESCRIPTIONS[status], "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _finish(path: str, operation: dict[str, Any], extra: Mapping[str, Any]) -> None:
    if "{" in path:  # a path parameter its route cannot read (not a number…) finds nothing
        operation["responses"].setdefault("404", _error(404))
    if extra["summary"]:
        operation["summary"] = extra["summary"]
    if not operation.get("description"):
        operation.pop("description", None)
    for param in operation.get("parameters", []):
        if not param.get("description"):
            param.pop("description", None)
        schema = param.get("schema") or {}
        if param["in"] == "path" and schema.get("type") == "integer":
            schema.update(minimum=0, maximum=MAX_ID)
        if param["in"] == "path":
            schema.update(extra["path"].get(param["name"], {}))
    for name, text in extra["headers"].items():
        operation.setdefault("parameters", []).append(
            {"name": name, "in": "header", "required": False, "description": text,
             "schema": {"type": "string"}})
    if extra["body"]:
        operation["requestBody"] = {"required": True, "content": extra["body"]}
        operation["responses"].setdefault("413", _error(413))
    for status, content in extra["files"].items():
        operation["responses"][str(status)]["content"] = dict(content)


_DOCUMENT: list[dict[str, Any]] = []  # made once: every app has the same routes


def document() -> dict[str, Any]:
    """The OpenAPI document (needs an app context: it reads the app's routes)."""
    if not _DOCUMENT:
        spec: dict[str, Any] = copy.deepcopy(api.spec)
        for path, operations in spec["paths"].items():
            for operation in operations.values():
                _finish(path, operation, EXTRA[operation["operationId"]])
        _DOCUMENT.append(spec)
    return _DOCUMENT[0]


from . import bp  # noqa: E402


@bp.get("/openapi.json")
@endpoint("get_openapi", "meta", {200: Object}, public=True)
def openapi() -> dict[str, Any]:
    """本接口的 OpenAPI 3.1 说明 (this description of the API)"""
    return document()
