// The designer's form panel: the selected task's form (its camunda:formKey), its schema edited
// as JSON with a live preview the server renders. designer.js builds it with what it shares.
window.HfDesignerForms = function (ctx) {
  "use strict";
  const { $, call, T, state, debounce, detailText } = ctx;
  let formKey = null;

  function formKeyOf(element) {
    const bo = element && element.businessObject;
    if (!bo || typeof bo.get !== "function") return null;
    const own = bo.get("camunda:formKey");
    if (own) return own;
    const ext = bo.extensionElements && bo.extensionElements.values || [];
    for (const item of ext) {
      for (const prop of (item.values || [])) {
        if (prop.name === "formKey" && prop.value) return prop.value;
      }
    }
    return null;
  }

  function showForm(element) {
    formKey = formKeyOf(element);
    const area = $("dz-form-schema");
    $("dz-form-key").textContent = formKey || "";
    $("dz-form-error").textContent = "";
    area.disabled = !formKey;
    $("dz-form-new").disabled = !formKey || !!state.forms[formKey];
    if (!formKey) {
      area.value = "";
      $("dz-form-preview").innerHTML = "";
      return;
    }
    const schema = state.forms[formKey];
    area.value = schema ? JSON.stringify(schema, null, 2) : "";
    $("dz-form-hint").textContent = schema ? "" : T.noForm;
    if (schema) preview(schema);
    else $("dz-form-preview").innerHTML = "";
  }

  async function preview(schema) {
    try {
      const out = await call("POST", "/forms/preview", { schema });
      $("dz-form-preview").innerHTML = out.html;  // rendered by the server's Jinja, escaped
      $("dz-form-renderer").textContent = out.renderer === "inbox" ? "" : T.simpleRenderer;
      $("dz-form-error").textContent = "";
    } catch (err) {
      $("dz-form-error").textContent = err.message + " " + detailText(err.body.details);
    }
  }

  $("dz-form-schema").addEventListener("input", debounce(() => {
    if (!formKey) return;
    let schema;
    try { schema = JSON.parse($("dz-form-schema").value); } catch (e) {
      $("dz-form-error").textContent = T.badJson + ": " + e.message;
      return;
    }
    state.forms[formKey] = schema;
    $("dz-form-hint").textContent = "";
    preview(schema);
  }, 300));

  $("dz-form-new").addEventListener("click", () => {
    if (!formKey) return;
    const selected = ctx.selected();
    const title = (selected && selected.businessObject.name) || formKey;
    state.forms[formKey] = { type: "object", title, properties: { note: { type: "string", title: "说明" } }, required: ["note"] };
    showForm(selected);
  });

  return { show: showForm, keyOf: formKeyOf, current: () => formKey };
};
