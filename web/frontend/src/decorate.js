// Decorations on a rendered diagram: state markers, badges, a heat map and diff colouring.
// Shared by the viewer and the modeler bundles; works on any bpmn-js instance.

const STATE_MARKERS = {
  done: 'hf-done',
  active: 'hf-active',
  incidents: 'hf-incident',
  added: 'hf-added',
  removed: 'hf-removed',
  changed: 'hf-changed'
};

const BADGE_KINDS = ['active', 'overdue', 'incident', 'info'];

// light yellow → orange → red, by value relative to the maximum
const HEAT_STOPS = [[255, 247, 214], [253, 174, 97], [240, 90, 60]];

export function heatColour(ratio) {
  const r = Math.max(0, Math.min(1, Number(ratio) || 0));
  const scaled = r * (HEAT_STOPS.length - 1);
  const i = Math.min(HEAT_STOPS.length - 2, Math.floor(scaled));
  const t = scaled - i;
  const [a, b] = [HEAT_STOPS[i], HEAT_STOPS[i + 1]];
  const mix = a.map((v, k) => Math.round(v + (b[k] - v) * t));
  return `rgb(${mix[0]}, ${mix[1]}, ${mix[2]})`;
}

export function escapeHtml(text) {
  return String(text == null ? '' : text).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'
  }[c]));
}

function ids(list) {
  return Array.isArray(list) ? list.filter((id) => typeof id === 'string') : [];
}

function shapeVisual(elementRegistry, id) {
  const gfx = elementRegistry.getGraphics(id);
  const visual = gfx && gfx.querySelector('.djs-visual');
  return visual && visual.firstElementChild;
}

function heatLegend(container, max) {
  const legend = document.createElement('div');
  legend.className = 'hf-heat-legend';
  legend.innerHTML =
    '<span class="hf-heat-min">0</span>' +
    `<span class="hf-heat-bar" style="background: linear-gradient(to right, ${heatColour(0)}, ${heatColour(0.5)}, ${heatColour(1)})"></span>` +
    `<span class="hf-heat-max">${escapeHtml(formatNumber(max))}</span>`;
  container.appendChild(legend);
  return legend;
}

function formatNumber(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/**
 * Apply decorations to an imported diagram. Returns a function that removes them again.
 */
export function decorate(instance, options = {}) {
  const canvas = instance.get('canvas');
  const elementRegistry = instance.get('elementRegistry');
  const overlays = instance.get('overlays');
  const eventBus = instance.get('eventBus');
  const undo = [];

  const exists = (id) => !!elementRegistry.get(id);

  for (const [option, marker] of Object.entries(STATE_MARKERS)) {
    for (const id of ids(options[option]).filter(exists)) {
      canvas.addMarker(id, marker);
      undo.push(() => canvas.removeMarker(id, marker));
    }
  }

  const badges = options.badges && typeof options.badges === 'object' ? options.badges : {};
  for (const [id, list] of Object.entries(badges)) {
    if (!exists(id) || !Array.isArray(list) || !list.length) {
      continue;
    }
    const html = document.createElement('div');
    html.className = 'hf-badges';
    html.innerHTML = list.map((badge) => {
      const kind = BADGE_KINDS.includes(badge && badge.kind) ? badge.kind : 'info';
      return `<span class="hf-badge hf-badge-${kind}">${escapeHtml(badge && badge.text)}</span>`;
    }).join('');
    const overlayId = overlays.add(id, 'hf-badge', { position: { top: -14, right: 12 }, html });
    undo.push(() => overlays.remove(overlayId));
  }

  const heat = options.heat && typeof options.heat === 'object' ? options.heat : null;
  if (heat) {
    const values = Object.entries(heat).filter(([id, v]) => exists(id) && Number.isFinite(Number(v)));
    const max = values.reduce((m, [, v]) => Math.max(m, Number(v)), 0);
    for (const [id, value] of values) {
      const visual = shapeVisual(elementRegistry, id);
      if (!visual) {
        continue;
      }
      const before = visual.style.fill;
      visual.style.fill = heatColour(max > 0 ? Number(value) / max : 0);
      canvas.addMarker(id, 'hf-heat');
      undo.push(() => {
        visual.style.fill = before;
        canvas.removeMarker(id, 'hf-heat');
      });
    }
    if (values.length) {
      const legend = heatLegend(canvas.getContainer(), max);
      undo.push(() => legend.remove());
    }
  }

  if (typeof options.onClick === 'function') {
    const onClick = options.onClick;
    const listener = (event) => {
      const element = event.element.labelTarget || event.element;
      if (element && element.parent) {
        onClick(element.id);
      }
    };
    eventBus.on('element.click', listener);
    undo.push(() => eventBus.off('element.click', listener));
  }

  return () => undo.splice(0).reverse().forEach((fn) => fn());
}

export function zoomToFit(instance) {
  const canvas = instance.get('canvas');
  try {
    canvas.zoom('fit-viewport', 'auto');
  } catch (err) {
    // an empty or hidden container has no size to fit into
  }
}
