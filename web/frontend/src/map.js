// The one map of readiness (应急一张图): built by build.mjs into web/static/map.js (committed).
// Offline: no tiles; the basemap is a GeoJSON file the app serves. Two uses:
//   <div id="emergency-map" data-layers=URL data-basemap=URL> — the map page with its layers,
//     filters (county, type, status), search, popups linking to the record or case;
//   <div id="place-picker" data-basemap=URL data-lat=INPUT_ID data-lng=INPUT_ID> — a form's
//     place: click the map, type coordinates, or take the phone's position.
// Labels come from <script type="application/json" id="map-labels"> (translated by the page).
import L from 'leaflet';

const COLORS = {
  teams: '#1565c0', depots: '#2e7d32', sources: '#6a1b9a', medical: '#00838f',
  majors: '#d84315', supervised: '#b71c1c'
};
const STATUS_COLORS = { expiring: '#f9a825', expired: '#c62828', overdue: '#c62828' };
const LU_AN = [31.74, 116.5];

function labels() {
  const node = document.getElementById('map-labels');
  return node ? JSON.parse(node.textContent) : {};
}

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

async function getJson(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

function baseMap(map, data) {
  const layer = L.geoJSON(data, {
    style: () => ({ color: '#78909c', weight: 1.5, fill: true, fillOpacity: 0.04 }),
    pointToLayer: (feature, latlng) => L.circleMarker(latlng, {
      radius: 2, color: '#607d8b', weight: 1, interactive: false
    }).bindTooltip(feature.properties.name || '', {
      permanent: true, direction: 'right', className: 'map-place', interactive: false
    })
  }).addTo(map);
  if (data.attribution) map.attributionControl.addAttribution(data.attribution);
  return layer;
}

function people(list) {
  return (list || []).map((p) => (p.phone ? `${p.name} ${p.phone}` : p.name)).join('、');
}

function popup(props, t) {
  const box = el('div', null, 'map-popup');
  box.append(el('strong', props.name));
  const line = (label, value) => {
    if (value === undefined || value === null || value === '') return;
    const row = el('div');
    row.append(el('span', `${label}：`, 'muted'), el('span', value));
    box.append(row);
  };
  line(t.unit, props.unit);
  line(t.type, props.type);
  line(t.level, props.level || props.grade);
  line(t.status, t.statuses[props.status] || props.status_name);
  line(t.stage, props.stage);
  line(t.deadline, props.deadline);
  line(t.listed_by, props.listed_by);
  line(t.keeper, props.keeper);
  line(t.phone, props.phone);
  line(t.address, props.address);
  if (props.members && props.members.length) {
    line(t.members, props.members.map((m) => [m.name, m.role, m.phone].filter(Boolean).join(' ')).join('；'));
  }
  if (props.items && props.items.length) {
    const list = el('ul', null, 'map-items');
    for (const item of props.items) {
      const li = el('li', `${item.name} ${item.quantity}${item.unit_label || ''}` +
        (item.expires_on ? ` · ${t.expires} ${item.expires_on}` : ''));
      if (item.state !== 'ok') li.append(' ', el('span', t.statuses[item.state] || item.state_name, `tag ${item.state}`));
      list.append(li);
    }
    box.append(list);
  }
  if (props.duty) {
    line(t.duty_leader, people(props.duty.leaders) || t.none);
    line(t.duty_staff, people(props.duty.staff) || t.none);
    line(t.duty_phone, props.duty.phone);
  }
  const link = el('a', t.open, 'map-open');
  link.href = props.url;
  box.append(link);
  return box;
}

function marker(feature, layerName, t) {
  const props = feature.properties;
  const [lng, lat] = feature.geometry.coordinates;
  const flagged = STATUS_COLORS[props.status];
  const m = L.circleMarker([lat, lng], {
    radius: layerName === 'medical' ? 6 : 8,
    color: flagged || COLORS[layerName], weight: flagged ? 4 : 2,
    fillColor: COLORS[layerName], fillOpacity: 0.75,
    className: `map-marker map-${layerName} status-${props.status}`
  });
  m.bindTooltip(props.name);
  m.bindPopup(() => popup(props, t));
  return m;
}

function fillSelect(select, values) {
  for (const [value, text] of values) {
    const option = el('option', text);
    option.value = value;
    select.append(option);
  }
}

function matches(props, filters) {
  if (filters.county && props.county !== filters.county) return false;
  if (filters.type && props.type !== filters.type) return false;
  if (filters.status && props.status !== filters.status) return false;
  if (filters.q) {
    const hay = [props.name, props.unit, props.type, props.address].join(' ').toLowerCase();
    if (!hay.includes(filters.q)) return false;
  }
  return true;
}

async function readinessMap(container) {
  const t = labels();
  const map = L.map(container, { preferCanvas: false }).setView(LU_AN, 9);
  map.attributionControl.setPrefix('Leaflet');
  const [base, data] = await Promise.all([
    getJson(container.dataset.basemap), getJson(container.dataset.layers)
  ]);
  baseMap(map, base);
  const groups = {};
  const overlays = {};
  for (const name of Object.keys(data.layers)) {
    groups[name] = L.featureGroup().addTo(map);
    overlays[`<span class="map-swatch" style="background:${COLORS[name]}"></span>${t.layers[name] || name}`] = groups[name];
  }
  L.control.layers(null, overlays, { collapsed: false }).addTo(map);
  const all = Object.entries(data.layers).flatMap(([name, fc]) =>
    fc.features.map((f) => ({ name, feature: f })));
  const form = document.getElementById('map-filters');
  const counties = new Map(all.map(({ feature: f }) => [f.properties.county, f.properties.county_name]));
  fillSelect(form.county, [...counties].sort());
  fillSelect(form.type, [...new Set(all.map(({ feature: f }) => f.properties.type))].sort().map((v) => [v, v]));
  fillSelect(form.status, Object.entries(t.statuses));
  const count = document.getElementById('map-count');
  const flaggedList = document.getElementById('map-flagged');
  function draw() {
    const filters = {
      county: form.county.value, type: form.type.value, status: form.status.value,
      q: form.q.value.trim().toLowerCase()
    };
    Object.values(groups).forEach((g) => g.clearLayers());
    let shown = 0;
    for (const { name, feature } of all) {
      if (!matches(feature.properties, filters)) continue;
      marker(feature, name, t).addTo(groups[name]);
      shown += 1;
    }
    count.textContent = `${shown}`;
    if (filters.q && shown) {
      const bounds = L.latLngBounds([]);
      Object.values(groups).forEach((g) => { if (g.getLayers().length) bounds.extend(g.getBounds()); });
      if (bounds.isValid()) map.fitBounds(bounds.pad(0.3), { maxZoom: 13 });
    }
  }
  form.addEventListener('input', draw);
  form.addEventListener('submit', (event) => { event.preventDefault(); draw(); });
  for (const { feature } of all) {
    const p = feature.properties;
    if (p.layer !== 'depots' || p.status === 'ok') continue;
    const li = el('li');
    const link = el('a', `${p.name}（${p.unit}）`);
    link.href = p.url;
    li.append(link, ' ', el('span', `${t.statuses[p.status] || p.status_name} ${p.flagged}`, `tag ${p.status}`));
    flaggedList.append(li);
  }
  const unplaced = document.getElementById('map-unplaced');
  if (data.unplaced && unplaced) {
    unplaced.textContent = unplaced.dataset.text.replace('{n}', String(data.unplaced));
    unplaced.hidden = false;
  }
  draw();
  const placed = all.map(({ feature: f }) => [f.geometry.coordinates[1], f.geometry.coordinates[0]]);
  if (placed.length) map.fitBounds(L.latLngBounds(placed).pad(0.2), { maxZoom: 12 });
  container.dataset.ready = 'true';
  window.hfMap = { map, groups };
}

async function placePicker(container) {
  const lat = document.getElementById(container.dataset.lat);
  const lng = document.getElementById(container.dataset.lng);
  const map = L.map(container).setView(LU_AN, 9);
  baseMap(map, await getJson(container.dataset.basemap));
  let pin = null;
  function place(latitude, longitude, move) {
    if (Number.isNaN(latitude) || Number.isNaN(longitude)) return;
    if (!pin) pin = L.circleMarker([latitude, longitude], { radius: 8, color: '#c62828' }).addTo(map);
    pin.setLatLng([latitude, longitude]);
    if (move) map.setView([latitude, longitude], Math.max(map.getZoom(), 12));
  }
  function set(latitude, longitude) {
    lat.value = latitude.toFixed(6);
    lng.value = longitude.toFixed(6);
    place(latitude, longitude, false);
  }
  map.on('click', (event) => set(event.latlng.lat, event.latlng.lng));
  const typed = () => place(parseFloat(lat.value), parseFloat(lng.value), true);
  lat.addEventListener('change', typed);
  lng.addEventListener('change', typed);
  typed();
  const button = document.getElementById('use-position');
  const status = document.getElementById('position-status');
  if (button) {
    button.addEventListener('click', () => {
      if (!navigator.geolocation) { status.textContent = button.dataset.unavailable; return; }
      navigator.geolocation.getCurrentPosition(
        (pos) => { set(pos.coords.latitude, pos.coords.longitude); place(pos.coords.latitude, pos.coords.longitude, true); },
        () => { status.textContent = button.dataset.unavailable; },
        { enableHighAccuracy: true, timeout: 10000 });
    });
  }
}

document.addEventListener('DOMContentLoaded', () => {
  const big = document.getElementById('emergency-map');
  if (big) readinessMap(big).catch((err) => { big.dataset.error = String(err); console.error(err); });
  const small = document.getElementById('place-picker');
  if (small) placePicker(small).catch((err) => console.error(err));
});
