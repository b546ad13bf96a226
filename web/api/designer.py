"""API v1: the designer's JSON endpoints under /api/v1/designer (bearer tokens). The
handlers are shared with the designer page (``web/designer_endpoints``), which serves the
same ones under /designer/api behind its session and CSRF token; here each is also
described and its query and body validated (:data:`OPERATIONS`)."""

from __future__ import annotations

from typing import Any

from .. import designer_endpoints as d
from ..designer_endpoints import Handler, routes
from . import bp, login_required
from .models.common import Listing, Object
from .models.designer import (
    DeployRequest,
    DiagramRequest,
    DiffQuery,
    DraftRequest,
    DraftUpdate,
    FormPreviewRequest,
    MigrationRequest,
    RunRequest,
)
from .spec import endpoint

TAG = "designer"
XML = {200: {"application/xml": {"schema": {"type": "string"}}}}
IMPORT = {"multipart/form-data": {"schema": {"type": "object", "required": ["bpmn"],
                                             "properties": {"bpmn": {"type": "string",
                                                                     "format": "binary"}}}},
          "application/xml": {"schema": {"type": "string"}}}

OPERATIONS: dict[Handler, tuple[str, str, dict[int, Any], dict[str, Any]]] = {
    d.processes: ("list_processes", "流程及其版本（部署人、时间、运行中的案件）和草稿 "
                  "(processes with their versions and the drafts)",
                  {200: Object}, {"errors": (403,)}),
    d.version: ("get_process_version", "已部署版本的 BPMN 与表单 (a deployed version's BPMN "
                "and forms)", {200: Object}, {"errors": (403, 404)}),
    d.version_diff: ("diff_versions", "两个版本的语义差异：新增、删除、修改的元素 (the "
                     "semantic diff of two versions)", {200: Object},
                     {"errors": (403, 404), "query": DiffQuery}),
    d.list_drafts: ("list_drafts", "已保存的草稿 (saved drafts)", {200: Listing},
                    {"errors": (403,)}),
    d.create_draft: ("create_draft", "保存新草稿，不影响运行中的案件 (save a new draft; it "
                     "never affects running cases)", {201: Object},
                     {"errors": (403, 422), "json": DraftRequest}),
    d.get_draft: ("get_draft", "草稿及其 BPMN 与表单 (a draft with its BPMN and forms)",
                  {200: Object}, {"errors": (403, 404)}),
    d.update_draft: ("update_draft", "替换草稿，发送载入时的修订号 (replace a draft: send the "
                     "revision you loaded)", {200: Object},
                     {"errors": (403, 404, 409, 422), "json": DraftUpdate}),
    d.delete_draft: ("delete_draft", "删除草稿 (delete a draft)", {204: None},
                     {"errors": (403, 404)}),
    d.export_draft: ("export_draft", "下载草稿为 .bpmn 文件 (download a draft as a .bpmn "
                     "file)", {200: None}, {"errors": (403, 404), "files": XML}),
    d.import_file: ("import_draft", "上传 .bpmn 文件为新草稿；不安全的文件被拒绝并说明元素与"
                    "原因 (upload a .bpmn file as a new draft; unsafe files are refused with "
                    "element and reason)", {201: Object},
                    {"errors": (403, 413, 422), "body": IMPORT}),
    d.validate: ("validate_diagram", "以部署校验器检查流程图而不部署 (check a diagram with the "
                 "deploy validator without deploying)", {200: Object},
                 {"errors": (403,), "json": DiagramRequest}),
    d.deploy: ("deploy_diagram", "校验并部署流程图及其表单 (validate and deploy a diagram "
               "with its forms)", {200: Object, 201: Object},
               {"errors": (403, 413, 422), "json": DeployRequest}),
    d.preview_form: ("preview_form", "按待办的方式渲染 JSON Schema 表单 (render a JSON "
                     "Schema form the way the inbox does)", {200: Object},
                     {"errors": (403, 422), "json": FormPreviewRequest}),
    d.migration_preview: ("preview_migration", "哪些运行中的案件可直接迁移，哪些需要映射 "
                          "(which running cases move cleanly; which need a mapping)",
                          {200: Object}, {"errors": (403, 404, 422), "json": MigrationRequest}),
    d.migration_start: ("start_migration", "为某版本全部运行中的案件开始迁移批次 (start a "
                        "migration batch of every running case of a version)", {201: Object},
                        {"errors": (403, 404, 422), "json": MigrationRequest}),
    d.migration_run: ("run_migration", "迁移批次中待迁移的案件（至多 limit 个），每个案件全有"
                      "或全无 (move the batch's pending cases, up to limit, each all or "
                      "nothing)", {200: Object},
                      {"errors": (403, 404, 422), "json": RunRequest, "body_optional": True}),
    d.migration_status: ("get_migration", "迁移批次：进度与每个案件的结果 (a migration batch: "
                         "progress and per-case results)", {200: Object},
                         {"errors": (403, 404)}),
}

def _described(handler: Handler) -> Handler:
    operation_id, summary, ok, options = OPERATIONS[handler]
    return login_required(endpoint(operation_id, TAG, ok, summary=summary, **options)(handler))


routes(bp, _described, "/designer")
