"""Process definitions: list (with each start form's link), deploy (multipart or raw XML),
versions, XML and forms."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request

from hazardflow.engine import NotFound
from hazardflow.workflows.usecases import designer

from .. import security
from ..errors import ApiError
from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.core import Definitions, DeployAnswer, Forms, FormSchema, Versions
from .serialize import form_for_clients
from .spec import BINARY, endpoint

TAG = "definitions"
XML = {"schema": {"type": "string"}}


def form_url(key: str, version: int, form_key: str) -> str:
    return f"/api/v1/definitions/{key}/versions/{version}/forms/{form_key}"


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value")


def _read_upload() -> tuple[bytes, dict[str, Any], str | None]:
    """The BPMN file and its forms, from multipart or from a raw XML body."""
    if request.mimetype in ("application/xml", "text/xml", "application/bpmn+xml"):
        return request.get_data(cache=False), {}, None
    if request.mimetype != "multipart/form-data":
        raise ApiError(400, "bad_request", "请以 multipart/form-data 上传 'bpmn' 文件（及名为 "
                                           "<formKey>.json 的 'forms' 文件），或以 application/xml "
                                           "发送 BPMN (send multipart/form-data with a 'bpmn' "
                                           "file and 'forms' files named <formKey>.json, or "
                                           "the BPMN alone as application/xml)")
    upload = request.files.get("bpmn") or request.files.get("file")
    if upload is None:
        raise ApiError(400, "bad_request", "缺少 'bpmn' 文件 (the multipart body has no "
                                           "'bpmn' file)")
    forms: dict[str, Any] = {}
    for item in request.files.getlist("forms"):
        name = (item.filename or "").rsplit("/", 1)[-1]
        if not name.endswith(".json"):
            raise ApiError(400, "bad_request", f"表单文件 {name!r} 须命名为 <formKey>.json "
                                               f"(form file {name!r} must be named "
                                               "<formKey>.json)",
                           [{"field": "forms", "message": name}])
        try:
            forms[name.removesuffix(".json")] = json.loads(item.read().decode("utf-8"),
                                                           parse_constant=_not_json)
        except ValueError as exc:  # not UTF-8, not JSON, or NaN/Infinity
            raise ApiError(422, "invalid_form", f"表单 {name!r} 不是 JSON (form {name!r} is "
                                                f"not JSON): {exc}",
                           [{"field": name, "message": str(exc)}]) from None
    return upload.read(), forms, upload.filename


UPLOAD = {"multipart/form-data": {"schema": {
    "type": "object", "required": ["bpmn"], "properties": {
        "bpmn": BINARY, "forms": {"type": "array", "items": BINARY,
                                  "description": "<formKey>.json files"}}}},
    "application/xml": XML}


@bp.post("/definitions")
@login_required
@endpoint("deploy_definition", TAG, {200: DeployAnswer, 201: DeployAnswer},
          errors=(403, 413, 422), body=UPLOAD)
def deploy() -> tuple[dict[str, Any], int]:
    """部署 BPMN 文件及其表单：设计人员；已部署过的内容答复 200 (deploy a BPMN file with its
    forms: designers; content already deployed answers 200 with its versions)"""
    bpmn, forms, filename = _read_upload()
    deployed = designer.deploy(runtime, current_actor(), bpmn, forms, filename)
    created = any(d.created for d in deployed)
    body = {"deployed": [{"key": d.key, "version": d.version} for d in deployed],
            "created": created}
    return body, 201 if created else 200


@bp.get("/definitions")
@login_required
@endpoint("list_definitions", TAG, {200: Definitions})
def list_definitions() -> dict[str, Any]:
    """已部署的流程：您能否发起，开始表单的 JSON Schema 链接 (deployed processes: whether you
    may start each, and the link to its start form's JSON Schema)"""
    items = designer.definitions(runtime, current_actor())
    for item in items:
        start = item.get("start_form")
        item["start_form_url"] = (form_url(item["key"], item["latest_version"], start)
                                  if start else None)
    return {"items": items}


@bp.get("/definitions/<key>/versions")
@login_required
@endpoint("list_versions", TAG, {200: Versions}, errors=(404,))
def versions(key: str) -> dict[str, Any]:
    """流程的各版本 (the versions of a process)"""
    return {"key": key, "items": designer.versions(runtime, current_actor(), key)}


@bp.get("/definitions/<key>/versions/<int:version>/xml")
@login_required
@endpoint("get_version_xml", TAG, {200: None}, errors=(404,),
          files={200: {"application/xml": XML}})
def xml(key: str, version: int) -> Response:
    """某版本部署的 BPMN XML：下载 (the BPMN XML of a version, as a download)"""
    found = designer.deployed(runtime, current_actor(), key, version)
    return security.file_response(found["bpmn"].encode("utf-8"), "application/xml",
                                  f"{key}-v{version}.bpmn")


@bp.get("/definitions/<key>/versions/<int:version>/forms")
@login_required
@endpoint("get_version_forms", TAG, {200: Forms}, errors=(404,))
def forms(key: str, version: int) -> dict[str, Any]:
    """某版本的全部 JSON Schema 表单 (the JSON Schema forms of a version)"""
    found = designer.deployed(runtime, current_actor(), key, version)["forms"]
    return {"forms": {name: form_for_clients(form) for name, form in found.items()}}


@bp.get("/definitions/<key>/versions/<int:version>/forms/<form_key>")
@login_required
@endpoint("get_version_form", TAG, {200: FormSchema}, errors=(404,))
def form(key: str, version: int, form_key: str) -> dict[str, Any]:
    """某版本的一个表单的 JSON Schema；证据字段的条目是 ev-… 引用 (one form's JSON Schema;
    an evidence field's items are ev-… references)"""
    found: dict[str, Any] | None = designer.deployed(
        runtime, current_actor(), key, version)["forms"].get(form_key)
    if found is None:
        raise NotFound(f"第 {version} 版没有表单 {form_key!r} (version {version} of {key!r} "
                       f"has no form {form_key!r})")
    return form_for_clients(found)
