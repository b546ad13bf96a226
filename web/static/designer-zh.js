// Simplified Chinese for the process designer's modeler: the English templates bpmn-js,
// diagram-js, the (Camunda) properties panel, bpmn-js-bpmnlint and our lint rules pass to the
// `translate` service, mapped to Chinese. designer.js hands it to HfBpmn.modeler as
// `translations` when <html lang> is zh. `{placeholders}` are kept as they are.
// Token simulation does not translate its own buttons: window.HfBpmnZhLocalize(container)
// rewrites their titles and texts from the same dictionary as they appear.
(function () {
  "use strict";

  // -- palette, context pad, menus (bpmn-js, diagram-js) --------------------------------------
  const modeling = {
    "Activate hand tool": "激活抓手工具（平移画布）",
    "Activate lasso tool": "激活套索工具（框选）",
    "Activate create/remove space tool": "激活空间工具（插入/移除空间）",
    "Activate global connect tool": "激活全局连线工具",
    "Create start event": "创建开始事件",
    "Create intermediate/boundary event": "创建中间/边界事件",
    "Create end event": "创建结束事件",
    "Create gateway": "创建网关",
    "Create task": "创建任务",
    "Create data object reference": "创建数据对象引用",
    "Create data store reference": "创建数据存储引用",
    "Create expanded sub-process": "创建展开的子流程",
    "Create pool/participant": "创建泳池/参与者",
    "Create group": "创建分组",
    "Append task": "追加任务",
    "Append end event": "追加结束事件",
    "Append gateway": "追加网关",
    "Append intermediate/boundary event": "追加中间/边界事件",
    "Append receive task": "追加接收任务",
    "Append message intermediate catch event": "追加消息中间捕获事件",
    "Append timer intermediate catch event": "追加定时器中间捕获事件",
    "Append conditional intermediate catch event": "追加条件中间捕获事件",
    "Append signal intermediate catch event": "追加信号中间捕获事件",
    "Append compensation activity": "追加补偿活动",
    "Add text annotation": "添加文本注释",
    "Add lane above": "在上方添加泳道",
    "Add lane below": "在下方添加泳道",
    "Divide into two lanes": "拆分为两个泳道",
    "Divide into three lanes": "拆分为三个泳道",
    "Change element": "更改类型",
    "Change type": "更改类型",
    "Delete": "删除",
    "Connect to other element": "连接到其他元素（顺序流/消息流/关联）",
    "Connect using sequence/message flow or association": "用顺序流/消息流或关联连接",
    "Connect using association": "用关联连接",
    "Connect using data input association": "用数据输入关联连接",
    "Align elements": "对齐元素",
    "Align elements left": "左对齐",
    "Align elements center": "水平居中对齐",
    "Align elements right": "右对齐",
    "Align elements top": "顶端对齐",
    "Align elements middle": "垂直居中对齐",
    "Align elements bottom": "底端对齐",
    "Distribute elements horizontally": "水平等距分布",
    "Distribute elements vertically": "垂直等距分布",
    "Parallel multi-instance": "并行多实例",
    "Sequential multi-instance": "串行多实例",
    "Loop": "循环",
    "Collection": "集合",
    "Participant multiplicity": "多实例参与者",
    "Toggle non-interrupting": "切换非中断",
    "Open {element}": "打开 {element}",
    "Search in diagram": "在图中搜索",
    "flow elements must be children of pools/participants": "流程元素必须放在泳池/参与者内",
    "Data object must be placed within a pool/participant.": "数据对象必须放在泳池/参与者内。",
    " + shift + ": " + Shift + "
  };

  // -- element names of the replace/append menus --------------------------------------------
  const elements = {
    "Task": "任务",
    "User task": "用户任务",
    "Service task": "服务任务",
    "Send task": "发送任务",
    "Receive task": "接收任务",
    "Manual task": "手工任务",
    "Business rule task": "业务规则任务",
    "Script task": "脚本任务",
    "Call activity": "调用活动",
    "Sub-process": "子流程",
    "Sub-process (collapsed)": "子流程（折叠）",
    "Sub-process (expanded)": "子流程（展开）",
    "Ad-hoc sub-process": "自由子流程",
    "Ad-hoc sub-process (collapsed)": "自由子流程（折叠）",
    "Ad-hoc sub-process (expanded)": "自由子流程（展开）",
    "Event sub-process": "事件子流程",
    "Transaction": "事务",
    "Exclusive gateway": "排他网关",
    "Parallel gateway": "并行网关",
    "Inclusive gateway": "包容网关",
    "Complex gateway": "复杂网关",
    "Event-based gateway": "事件网关",
    "Event based instantiating Gateway": "事件网关（实例化）",
    "Parallel Event based instantiating Gateway": "并行事件网关（实例化）",
    "Start event": "开始事件",
    "End event": "结束事件",
    "Intermediate throw event": "中间抛出事件",
    "Boundary event": "边界事件",
    "Message start event": "消息开始事件",
    "Timer start event": "定时器开始事件",
    "Conditional start event": "条件开始事件",
    "Signal start event": "信号开始事件",
    "Error start event": "错误开始事件",
    "Escalation start event": "升级开始事件",
    "Compensation start event": "补偿开始事件",
    "Message start event (non-interrupting)": "消息开始事件（非中断）",
    "Timer start event (non-interrupting)": "定时器开始事件（非中断）",
    "Conditional start event (non-interrupting)": "条件开始事件（非中断）",
    "Signal start event (non-interrupting)": "信号开始事件（非中断）",
    "Escalation start event (non-interrupting)": "升级开始事件（非中断）",
    "Message intermediate catch event": "消息中间捕获事件",
    "Message intermediate throw event": "消息中间抛出事件",
    "Timer intermediate catch event": "定时器中间捕获事件",
    "Conditional intermediate catch event": "条件中间捕获事件",
    "Signal intermediate catch event": "信号中间捕获事件",
    "Signal intermediate throw event": "信号中间抛出事件",
    "Escalation intermediate throw event": "升级中间抛出事件",
    "Compensation intermediate throw event": "补偿中间抛出事件",
    "Link intermediate catch event": "链接中间捕获事件",
    "Link intermediate throw event": "链接中间抛出事件",
    "Message end event": "消息结束事件",
    "Error end event": "错误结束事件",
    "Escalation end event": "升级结束事件",
    "Compensation end event": "补偿结束事件",
    "Signal end event": "信号结束事件",
    "Terminate end event": "终止结束事件",
    "Cancel end event": "取消结束事件",
    "Message boundary event": "消息边界事件",
    "Timer boundary event": "定时器边界事件",
    "Error boundary event": "错误边界事件",
    "Escalation boundary event": "升级边界事件",
    "Conditional boundary event": "条件边界事件",
    "Signal boundary event": "信号边界事件",
    "Compensation boundary event": "补偿边界事件",
    "Cancel boundary event": "取消边界事件",
    "Message boundary event (non-interrupting)": "消息边界事件（非中断）",
    "Timer boundary event (non-interrupting)": "定时器边界事件（非中断）",
    "Escalation boundary event (non-interrupting)": "升级边界事件（非中断）",
    "Conditional boundary event (non-interrupting)": "条件边界事件（非中断）",
    "Signal boundary event (non-interrupting)": "信号边界事件（非中断）",
    "Sequence flow": "顺序流",
    "Default flow": "默认流",
    "Conditional flow": "条件流",
    "Data object reference": "数据对象引用",
    "Data store reference": "数据存储引用",
    "Empty pool/participant": "空泳池/参与者",
    "Empty pool/participant (removes content)": "空泳池/参与者（删除内容）",
    "Expanded pool/participant": "展开的泳池/参与者"
  };

  // -- the properties panel's header: element type as "User Task", "Timer Start Event"… -----
  const header = {
    "Process": "流程", "Collaboration": "协作", "Participant": "泳池/参与者", "Lane": "泳道",
    "Task": "任务", "User Task": "用户任务", "Service Task": "服务任务", "Send Task": "发送任务",
    "Receive Task": "接收任务", "Manual Task": "手工任务", "Business Rule Task": "业务规则任务",
    "Script Task": "脚本任务", "Call Activity": "调用活动", "Transaction": "事务",
    "Collapsed Sub Process": "子流程（折叠）", "Expanded Sub Process": "子流程（展开）",
    "Collapsed Ad Hoc Sub Process": "自由子流程（折叠）", "Expanded Ad Hoc Sub Process": "自由子流程（展开）",
    "Event Sub Process": "事件子流程", "Sequence Flow": "顺序流", "Default Flow": "默认流",
    "Conditional Flow": "条件流", "Message Flow": "消息流", "Association": "关联",
    "Data Input Association": "数据输入关联", "Data Output Association": "数据输出关联",
    "Data Input": "数据输入", "Data Output": "数据输出", "Data Object Reference": "数据对象引用",
    "Data Store Reference": "数据存储引用", "Group": "分组", "Text Annotation": "文本注释",
    "Gateway": "网关", "Exclusive Gateway": "排他网关", "Parallel Gateway": "并行网关",
    "Inclusive Gateway": "包容网关", "Complex Gateway": "复杂网关", "Event Based Gateway": "事件网关",
    "Start Event": "开始事件", "End Event": "结束事件", "Boundary Event": "边界事件",
    "Intermediate Throw Event": "中间抛出事件", "Intermediate Catch Event": "中间捕获事件"
  };
  const kinds = {
    Message: "消息", Timer: "定时器", Conditional: "条件", Signal: "信号", Error: "错误",
    Escalation: "升级", Compensate: "补偿", Cancel: "取消", Link: "链接", Terminate: "终止",
    Multiple: "多重", "Parallel Multiple": "并行多重", Parallel: "并行"
  };
  const events = {
    "Start Event": "开始事件", "End Event": "结束事件", "Boundary Event": "边界事件",
    "Intermediate Catch Event": "中间捕获事件", "Intermediate Throw Event": "中间抛出事件"
  };
  for (const [kindEn, kindZh] of Object.entries(kinds)) {
    for (const [eventEn, eventZh] of Object.entries(events)) {
      header[kindEn + " " + eventEn] = kindZh + eventZh;
      header[kindEn + " " + eventEn + " (Non Interrupting)"] = kindZh + eventZh + "（非中断）";
    }
  }

  // -- properties panel: groups, labels, options (designer-zh-panel.js) ----------------------
  const panel = window.HfBpmnZhPanel || {};

  // -- @bpmn-io/properties-panel widgets ----------------------------------------------------
  const widgets = {
    "Toggle section": "展开/收起分组",
    "Section contains edits": "该分组已填写",
    "Section contains an error": "该分组有错误",
    "Create new list item": "新建列表项",
    "Delete item": "删除此项",
    "Toggle list item": "展开/收起此项",
    "Open documentation": "打开文档",
    "Open pop-up editor": "在弹出窗口中编辑",
    "Opened in editor": "已在编辑器中打开",
    "JSON contains errors": "JSON 有错误",
    "FEEL expression is mandatory": "必须填写 FEEL 表达式",
    "Unparsable FEEL expression.": "无法解析的 FEEL 表达式。"
  };

  // -- linting: bpmn-js-bpmnlint's button, bpmnlint's recommended rules, hazardflow's rules --
  const lint = {
    "Toggle linting overlays": "显示/隐藏建模检查标记",
    "{errors} Errors, {warnings} Warnings": "{errors} 个错误，{warnings} 个警告",
    "No Issues": "没有问题",
    "Issues for child elements": "子元素的问题",
    "Element is missing label/name": "元素缺少名称",
    "Element is not connected": "元素没有连线",
    "Element is an implicit start": "元素是隐式开始（没有入口连线）",
    "Element is an implicit end": "元素是隐式结束（没有出口连线）",
    "Flow splits implicitly": "流程隐式分支（请用网关）",
    "Incoming flows do not join": "多条入口流没有合并（请用网关）",
    "Gateway forks and joins": "网关同时分支和合并",
    "Gateway is superfluous. It only has one source and target.": "网关多余：只有一个来源和一个目标。",
    "Termination is superfluous.": "终止事件多余。",
    "Sequence flow is missing condition": "顺序流缺少条件",
    "Sequence flow has superfluous label": "顺序流的名称多余",
    "SequenceFlow is a duplicate": "顺序流重复",
    "Duplicate outgoing sequence flows": "出口顺序流重复",
    "Duplicate incoming sequence flows": "入口顺序流重复",
    "Process is missing start event": "流程缺少开始事件",
    "Process is missing end event": "流程缺少结束事件",
    "Sub process is missing start event": "子流程缺少开始事件",
    "Sub process is missing end event": "子流程缺少结束事件",
    "Process has multiple blank start events": "流程有多个空开始事件",
    "Sub process has multiple blank start events": "子流程有多个空开始事件",
    "Start event must be blank": "开始事件必须是空开始事件",
    "Start event is missing event definition": "开始事件缺少事件定义",
    "Event has multiple event definitions": "事件有多个事件定义",
    "Element overlaps with other element": "元素与其他元素重叠",
    "Element is outside of parent boundary": "元素超出了父元素的边界",
    "Element is missing bpmndi": "元素缺少图形信息（bpmndi）",
    "Element is missing name": "元素缺少名称",
    "Element is unused": "元素未被使用",
    "Element name is not unique": "元素名称不唯一",
    "Link event is missing link name": "链接事件缺少链接名称",
    "Element type <bpmn:ComplexGateway> is discouraged": "不建议使用复杂网关",
    "Element type <bpmn:InclusiveGateway> is discouraged": "不建议使用包容网关",
    "An <Event-based Gateway> must have at least 2 outgoing <Sequence Flows>": "事件网关至少要有 2 条出口顺序流",
    "A <Sequence Flow> outgoing from an <Event-based Gateway> must not be conditional": "事件网关的出口顺序流不能带条件",
    "A <Start Event> is not allowed in <Ad Hoc Sub Process>": "自由子流程中不允许开始事件",
    "An <End Event> is not allowed in <Ad Hoc Sub Process>": "自由子流程中不允许结束事件",
    "Exclusive gateway with several outgoing flows has no default flow": "有多条出口流的排他网关没有默认流",
    "Timer has no timeDuration, timeDate or timeCycle": "定时器没有设置 timeDuration、timeDate 或 timeCycle",
    "User task has no assignment: set camunda:candidateGroups or camunda:assignee": "用户任务没有分配：请设置 camunda:candidateGroups 或 camunda:assignee",
    "User task has no form: set camunda:formKey": "用户任务没有表单：请设置 camunda:formKey"
  };

  // -- token simulation (not translated by the package: see HfBpmnZhLocalize) ---------------
  const simulation = {
    "Token Simulation": "令牌模拟",
    "Play/Pause Simulation": "播放/暂停模拟",
    "Play Simulation": "播放模拟",
    "Pause Simulation": "暂停模拟",
    "Reset Simulation": "重置模拟",
    "Toggle Simulation Log": "显示/隐藏模拟日志",
    "Set animation speed = Slow": "动画速度：慢",
    "Set animation speed = Normal": "动画速度：正常",
    "Set animation speed = Fast": "动画速度：快",
    "Set Sequence Flow": "选择顺序流",
    "Trigger Event": "触发事件",
    "Add pause point": "添加暂停点",
    "Remove pause point": "移除暂停点",
    "Found unsupported elements": "发现不支持的元素",
    "Not supported": "不支持",
    "Finished": "已完成",
    "No Entries": "没有记录",
    "Simulation Log": "模拟日志",
    "Process started": "流程已开始",
    "Process finished": "流程已完成",
    "Process canceled": "流程已取消",
    "SubProcess started": "子流程已开始",
    "SubProcess finished": "子流程已完成",
    "SubProcess canceled": "子流程已取消"
  };

  const zh = Object.assign({}, header, elements, modeling, panel, widgets, lint, simulation);
  window.HfBpmnZh = zh;

  // Token simulation writes English titles and texts into the canvas: rewrite those of
  // its elements (class bts-*) from the dictionary as they are added. Returns a stop function.
  window.HfBpmnZhLocalize = function (container) {
    const root = typeof container === "string" ? document.querySelector(container) : container;
    if (!root || typeof MutationObserver === "undefined") return () => {};
    const localize = (node) => {
      if (node.nodeType !== 1) return;
      const targets = [node, ...node.querySelectorAll("[class*='bts-']")];
      for (const el of targets) {
        if (typeof el.className !== "string" || el.className.indexOf("bts-") < 0) continue;
        const title = el.getAttribute("title");
        if (title && Object.prototype.hasOwnProperty.call(zh, title)) el.setAttribute("title", zh[title]);
        for (const text of el.childNodes) {
          const value = text.nodeType === 3 ? text.nodeValue.trim() : "";
          if (value && Object.prototype.hasOwnProperty.call(zh, value)) text.nodeValue = text.nodeValue.replace(value, zh[value]);
        }
      }
    };
    localize(root);
    const observer = new MutationObserver((records) => {
      for (const record of records) {
        const target = record.type === "characterData" ? record.target.parentNode : record.target;
        if (target) localize(target);
        record.addedNodes.forEach(localize);
      }
    });
    observer.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ["title"], characterData: true });
    return () => observer.disconnect();
  };
})();
