// Both bundles may be loaded on one page: each adds its functions to one global object.
export function exposeGlobal(functions) {
  const root = typeof window !== 'undefined' ? window : globalThis;
  root.HfBpmn = Object.assign(root.HfBpmn || {}, functions);
  return root.HfBpmn;
}

export function resolveContainer(container) {
  const element = typeof container === 'string' ? document.querySelector(container) : container;
  if (!element) {
    throw new Error('HfBpmn: container not found');
  }
  return element;
}
