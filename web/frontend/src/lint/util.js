// Helpers for hazardflow's bpmnlint rules (moddle elements, camunda attributes).

export function is(node, type) {
  return !!node && typeof node.$instanceOf === 'function' && node.$instanceOf(type);
}

/** A camunda:* attribute, whether the camunda moddle extension is loaded or not. */
export function camundaAttr(node, name) {
  let value;
  try {
    value = node.get('camunda:' + name);
  } catch (err) {
    value = undefined;
  }
  if (value === undefined && node.$attrs) {
    value = node.$attrs['camunda:' + name];
  }
  return typeof value === 'string' ? value.trim() : value;
}

export function filled(value) {
  return typeof value === 'string' ? value.trim() !== '' : value != null;
}
