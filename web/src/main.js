// The operational picture: everything drawn comes from the coalition server's API, already
// filtered by what the logged-in user may read. Nothing is fetched from anywhere else: the
// basemap is Natural Earth from the world-atlas package, symbols are drawn by milsymbol, and
// the map uses no glyphs (labels are HTML), so the page works with no network at all.
import * as maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import ms from "milsymbol";
import { feature as topoFeature, mesh as topoMesh } from "topojson-client";
import countries from "world-atlas/countries-50m.json";
import { forward as toMgrs } from "mgrs";
import "./style.css";

maplibregl.setWorkerUrl(workerUrl);

const API = "/api/v1";
const SCENARIO = "coalition-2025";
const UKRAINE = "804"; // ISO 3166 numeric, as world-atlas names countries
const THREAT_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
const CLAUSE_COLOURS = ["#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const ZONE_COLOURS = {
  buffer: "#ff7f0e",
  withdrawal: "#9467bd",
  site: "#2ca02c",
  naval: "#1f77b4",
};
const MODE_COLOURS = { air: "#1f77b4", sea: "#17becf", rail: "#8c564b", road: "#2ca02c" };

// --- session: the token lives in this closure only, never in storage ----------------------

let token = null;
const state = {
  me: null,
  plan: null,
  option: null,
  day: 0,
  layers: {},
  labels: [],
  incidentTypes: [],
};
window.peaceforce = { state }; // read by the end-to-end tests

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${token}` };
  const response = await fetch(`${API}${path}`, { ...options, headers });
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const body = await response.json();
      detail = body.problems
        ? body.problems.map((p) => `${p.location}: ${p.value} (expected ${p.expected})`).join("; ")
        : body.error || body.detail || detail;
    } catch {
      /* not JSON */
    }
    const error = new Error(`${response.status} ${detail}`);
    error.status = response.status;
    throw error;
  }
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

function $(selector) {
  return document.querySelector(selector);
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function status(text) {
  $("#status").textContent = text;
}

// --- the map ------------------------------------------------------------------------------

const EMPTY = { type: "FeatureCollection", features: [] };
let map = null;
const settlementMarkers = [];

function basemapStyle() {
  const land = topoFeature(countries, countries.objects.countries);
  const borders = topoMesh(countries, countries.objects.countries, (a, b) => a !== b);
  const ukraine = {
    type: "FeatureCollection",
    features: land.features.filter((f) => f.id === UKRAINE),
  };
  return {
    version: 8,
    sources: {
      land: { type: "geojson", data: land },
      borders: { type: "geojson", data: borders },
      ukraine: { type: "geojson", data: ukraine },
    },
    layers: [
      { id: "sea", type: "background", paint: { "background-color": "#cfe3ef" } },
      { id: "land", type: "fill", source: "land", paint: { "fill-color": "#f1efe8" } },
      { id: "ukraine", type: "fill", source: "ukraine", paint: { "fill-color": "#fbf8e6" } },
      {
        id: "borders",
        type: "line",
        source: "borders",
        paint: { "line-color": "#8a8a8a", "line-width": 1 },
      },
    ],
  };
}

// Each operational layer: its sources' ids, the map layers drawn from them, a title.
const LAYERS = [
  { id: "oblasts", title: "Oblasts" },
  { id: "settlements", title: "Settlements" },
  { id: "areas", title: "Mission areas" },
  { id: "zones", title: "Agreement zones" },
  { id: "frontline", title: "Line of contact" },
  { id: "air_defence", title: "Air-defence rings" },
  { id: "incidents", title: "Incidents" },
  { id: "laydown", title: "Force laydown (planned)" },
  { id: "units", title: "Units (replay)" },
];

function addLayers() {
  for (const { id } of LAYERS) {
    const cluster =
      id === "incidents" ? { cluster: true, clusterRadius: 40, clusterMaxZoom: 9 } : {};
    map.addSource(id, { type: "geojson", data: EMPTY, ...cluster });
  }
  map.addLayer({
    id: "oblasts-line",
    type: "line",
    source: "oblasts",
    paint: { "line-color": "#b7b0a0", "line-width": 0.7 },
  });
  map.addLayer({
    id: "areas-fill",
    type: "fill",
    source: "areas",
    filter: ["all", ["==", ["geometry-type"], "Polygon"], ["==", ["get", "kind"], "land"]],
    paint: { "fill-color": "#3b6fb6", "fill-opacity": 0.08 },
  });
  map.addLayer({
    id: "areas-line",
    type: "line",
    source: "areas",
    paint: { "line-color": "#3b6fb6", "line-width": 1.2, "line-dasharray": [3, 2] },
  });
  map.addLayer({
    id: "zones-fill",
    type: "fill",
    source: "zones",
    filter: ["all", ["has", "clause"], ["!=", ["geometry-type"], "LineString"]],
    paint: {
      "fill-color": ["match", ["get", "kind"], ...Object.entries(ZONE_COLOURS).flat(), "#999"],
      "fill-opacity": 0.12,
    },
  });
  map.addLayer({
    id: "zones-line",
    type: "line",
    source: "zones",
    filter: ["has", "clause"],
    paint: {
      "line-color": ["match", ["get", "kind"], ...Object.entries(ZONE_COLOURS).flat(), "#999"],
      "line-width": 0.8,
    },
  });
  map.addLayer({
    id: "zones-sites",
    type: "circle",
    source: "zones",
    filter: ["==", ["get", "kind"], "protected_site"],
    paint: {
      "circle-radius": 3.5,
      "circle-color": "#2ca02c",
      "circle-stroke-color": "#fff",
      "circle-stroke-width": 1,
    },
  });
  map.addLayer({
    id: "frontline-occupied",
    type: "fill",
    source: "frontline",
    filter: ["==", ["get", "kind"], "occupied"],
    paint: { "fill-color": "#c0392b", "fill-opacity": 0.13 },
  });
  map.addLayer({
    id: "frontline-line",
    type: "line",
    source: "frontline",
    filter: ["==", ["get", "kind"], "line_of_contact"],
    paint: { "line-color": "#c0392b", "line-width": 2.2 },
  });
  map.addLayer({
    id: "air_defence-line",
    type: "line",
    source: "air_defence",
    paint: { "line-color": ["get", "colour"], "line-width": 1.4 },
  });
  map.addLayer({
    id: "settlements-dot",
    type: "circle",
    source: "settlements",
    paint: { "circle-radius": 2.2, "circle-color": "#444" },
  });
  map.addLayer({
    id: "incidents-cluster",
    type: "circle",
    source: "incidents",
    filter: ["has", "point_count"],
    paint: {
      "circle-color": "#555",
      "circle-opacity": 0.75,
      "circle-radius": ["step", ["get", "point_count"], 9, 10, 13, 100, 18],
      "circle-stroke-color": "#fff",
      "circle-stroke-width": 1.5,
    },
  });
  map.addLayer({
    id: "incidents-point",
    type: "circle",
    source: "incidents",
    filter: ["!", ["has", "point_count"]],
    paint: {
      "circle-radius": 5,
      "circle-color": ["coalesce", ["get", "colour"], "#777"],
      "circle-stroke-color": "#000",
      "circle-stroke-width": 0.6,
    },
  });
  map.addLayer({
    id: "laydown-symbol",
    type: "symbol",
    source: "laydown",
    layout: {
      "icon-image": ["get", "icon"],
      "icon-allow-overlap": true,
      "icon-ignore-placement": true,
    },
    paint: { "icon-opacity": 0.45 },
  });
  map.addLayer({
    id: "units-symbol",
    type: "symbol",
    source: "units",
    layout: {
      "icon-image": ["get", "icon"],
      "icon-allow-overlap": true,
      "icon-ignore-placement": true,
    },
  });
}

function setData(id, data) {
  state.layers[id] = data;
  const source = map.getSource(id);
  if (source) source.setData(data);
}

function layerVisible(id, visible) {
  for (const layer of map.getStyle().layers) {
    if (layer.source === id) map.setLayoutProperty(layer.id, "visibility", visible ? "visible" : "none");
  }
  if (id === "settlements") {
    for (const marker of settlementMarkers) marker.getElement().hidden = !visible;
  }
}

function layerSwitches() {
  const box = $("#layers");
  box.replaceChildren(element("strong", { text: "Layers" }));
  const exports = $("#export-layer");
  exports.replaceChildren();
  for (const { id, title } of LAYERS) {
    const input = element("input", { type: "checkbox", "data-layer": id });
    input.checked = id !== "laydown";
    input.addEventListener("change", () => layerVisible(id, input.checked));
    box.append(element("label", {}, input, ` ${title}`));
    exports.append(element("option", { value: id, text: title }));
    layerVisible(id, input.checked);
  }
}

// Symbols: drawn once per SIDC and nation by milsymbol, then kept as map images.
function symbolIcon(sidc, nation) {
  const name = `${sidc}|${nation}`;
  if (!map.hasImage(name)) {
    const symbol = new ms.Symbol(sidc, { size: 16, uniqueDesignation: nation, standard: "APP6" });
    const canvas = symbol.asCanvas(2);
    const image = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
    map.addImage(name, image, { pixelRatio: 2 });
  }
  return name;
}

function settlementLabels(collection) {
  for (const marker of settlementMarkers.splice(0)) marker.remove();
  for (const item of collection.features.slice(0, 25)) {
    const label = element("div", { class: "place-label", text: item.properties.name });
    settlementMarkers.push(
      new maplibregl.Marker({ element: label, anchor: "left", offset: [4, 0] })
        .setLngLat(item.geometry.coordinates)
        .addTo(map),
    );
  }
}

// --- the deployment replay ----------------------------------------------------------------

// Where a unit is on a day: along its track, linearly between the points it passes.
function positionOn(track, day) {
  if (day < track[0][0]) return null;
  for (let k = 1; k < track.length; k += 1) {
    const [d1, x1, y1] = track[k];
    if (day <= d1) {
      const [d0, x0, y0] = track[k - 1];
      const share = d1 > d0 ? (day - d0) / (d1 - d0) : 1;
      return [x0 + share * (x1 - x0), y0 + share * (y1 - y0)];
    }
  }
  const [, x, y] = track[track.length - 1];
  return [x, y];
}

// Units that share a place are fanned out a little so each symbol can be seen.
function fanOut(features) {
  const groups = new Map();
  for (const item of features) {
    const key = item.geometry.coordinates.map((c) => c.toFixed(2)).join(",");
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(item);
  }
  for (const group of groups.values()) {
    group.forEach((item, index) => {
      if (index === 0) return;
      const angle = index * 2.4;
      const radius = 0.2 * Math.sqrt(index);
      const [lon, lat] = item.geometry.coordinates;
      item.geometry.coordinates = [lon + radius * Math.cos(angle) * 1.5, lat + radius * Math.sin(angle)];
    });
  }
  return features;
}

function calendar(day) {
  const date = new Date(`${state.plan.d_day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + day);
  return date.toISOString().slice(0, 10);
}

function showDay(day) {
  state.day = day;
  const option = state.option;
  if (!option) return;
  const features = [];
  let inTheatre = 0;
  let personnel = 0;
  for (const unit of option.units) {
    const where = positionOn(unit.track, day);
    const placed = unit.in_place_day !== null && unit.in_place_day <= day;
    if (placed) {
      inTheatre += 1;
      personnel += unit.personnel;
    }
    if (!where) continue;
    features.push({
      type: "Feature",
      geometry: { type: "Point", coordinates: where },
      properties: {
        unit: unit.unit,
        nation: unit.nation,
        unit_type: unit.unit_type,
        sidc: unit.sidc,
        requirement_line: unit.requirement_line,
        destination: unit.destination,
        in_theatre: placed,
        icon: symbolIcon(unit.sidc, unit.nation),
      },
    });
  }
  setData("units", { type: "FeatureCollection", name: "units", features: fanOut(features) });
  const counter = $("#units-in-theatre");
  counter.dataset.count = String(inTheatre);
  counter.textContent = `${inTheatre} of ${option.units.length} units in theatre (${personnel.toLocaleString("en")} personnel)`;
  $("#day-text").textContent = `Day ${day} · ${calendar(day)}`;
  $("#day").value = String(day);
  drawGantt();
}

function milestoneTicks(option) {
  const slider = $("#day");
  slider.max = String(option.last_day);
  const list = $("#milestones");
  const ticks = $("#ticks");
  list.replaceChildren();
  ticks.replaceChildren();
  for (const [name, day, note] of [
    ["IOC", option.ioc_day, option.ioc_note],
    ["FOC", option.foc_day, option.foc_note],
  ]) {
    if (day === null) {
      const why = note ? `: ${note}` : "";
      ticks.append(element("span", { class: "tick missing", "data-milestone": name, title: note || "", text: `${name} not reached${why}` }));
      continue;
    }
    list.append(element("option", { value: String(day), label: name }));
    const mark = element("span", { class: "tick", "data-milestone": name, text: `${name} D+${day}` });
    mark.style.left = `${(100 * day) / Math.max(option.last_day, 1)}%`;
    ticks.append(mark);
  }
}

let playing = null;
function play() {
  if (playing) {
    clearInterval(playing);
    playing = null;
    $("#play").textContent = "▶";
    return;
  }
  const last = state.option.last_day;
  let day = state.day >= last ? 0 : state.day;
  $("#play").textContent = "⏸";
  playing = setInterval(() => {
    day += 1;
    showDay(day);
    if (day >= last) play();
  }, 120);
}

// --- panels -------------------------------------------------------------------------------

function table(headers, rows) {
  const head = element("tr", {}, ...headers.map((h) => element("th", { text: h })));
  const body = rows.map((cells) =>
    element(
      "tr",
      {},
      ...cells.map((cell) => (cell instanceof Node ? element("td", {}, cell) : element("td", { text: String(cell ?? "") }))),
    ),
  );
  return element("table", {}, element("thead", {}, head), element("tbody", {}, ...body));
}

function mandatePanel() {
  const rows = state.plan.mandate;
  const nations = [...new Set(rows.flatMap((r) => Object.keys(r.pledges)))].sort();
  const panel = $("#tab-mandate");
  const cells = rows.map((r) => [
    r.name,
    element("span", { class: `outcome ${r.outcome}`, text: r.outcome.replace("_", " ") }),
    r.votes,
    r.requires_party_consent ? "yes" : "no",
    r.blockers.join(", ") || "—",
    ...nations.map((n) => element("span", { class: `pledge ${r.pledges[n] || "none"}`, text: r.pledges[n] || "" })),
  ]);
  panel.replaceChildren(
    element("h2", { text: "Mandate matrix" }),
    element("p", { class: "hint", text: "Each framework's outcome and vote, and what it leaves of each nation's pledges." }),
    element("div", { class: "scroll" }, table(["Framework", "Outcome", "Votes", "Party consent", "Blockers", ...nations], cells)),
  );
}

function sourcingPanel() {
  const option = state.option;
  // long lists of reasons fold after the first few, so the table stays readable
  const list = (items, shown = 4) => {
    if (!items.length) return "";
    const listed = element("ol", {}, ...items.slice(0, shown).map((t) => element("li", { text: t })));
    if (items.length <= shown) return listed;
    const rest = element("ol", { start: String(shown + 1) }, ...items.slice(shown).map((t) => element("li", { text: t })));
    return element("div", {}, listed, element("details", {}, element("summary", { text: `${items.length - shown} more` }), rest));
  };
  const rows = option.sourcing.map((line) => [
    line.line_id,
    line.capability,
    line.area,
    line.priority,
    `${line.filled}/${line.required}`,
    line.shortfall ? element("strong", { class: "gap", text: String(line.shortfall) }) : "0",
    list(line.reasons),
    list(line.fixes),
  ]);
  $("#tab-sourcing").replaceChildren(
    element("h2", { text: `Sourcing: ${option.title}` }),
    element("p", { class: "hint", text: "Every requirement line; for each gap the reasons candidates stay out and the fixes, most acceptable first." }),
    element("div", { class: "scroll" }, table(["Line", "Capability", "Area", "Priority", "Filled", "Gap", "Why", "Fixes (ranked)"], rows)),
  );
}

function drawGantt() {
  const option = state.option;
  const panel = $("#tab-gantt");
  if (!option || panel.hidden) return;
  const units = [...new Set(option.gantt.map((b) => b.unit))];
  const width = 560;
  const row = 11;
  const left = 170;
  const last = Math.max(option.last_day, 1);
  const x = (day) => left + ((width - left - 10) * day) / last;
  const svgNs = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNs, "svg");
  const height = units.length * row + 30;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  const add = (tag, attributes, text) => {
    const node = document.createElementNS(svgNs, tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    if (text) node.textContent = text;
    svg.append(node);
    return node;
  };
  units.forEach((unit, index) => {
    add("text", { x: 2, y: 20 + index * row + 8, "font-size": 8 }, unit);
  });
  for (const bar of option.gantt) {
    const index = units.indexOf(bar.unit);
    add("rect", {
      x: x(bar.start_day),
      y: 20 + index * row,
      width: Math.max(x(bar.arrival_day) - x(bar.start_day), 1.5),
      height: row - 3,
      fill: MODE_COLOURS[bar.mode] || "#777",
      stroke: bar.late ? "#c0392b" : "none",
    }).append(Object.assign(document.createElementNS(svgNs, "title"), { textContent: `${bar.unit} ${bar.leg} D+${bar.start_day}–D+${bar.arrival_day}` }));
  }
  for (const [name, day] of [["IOC", option.ioc_day], ["FOC", option.foc_day], ["today", state.day]]) {
    if (day === null) continue;
    add("line", { x1: x(day), x2: x(day), y1: 12, y2: height, stroke: name === "today" ? "#c0392b" : "#000", "stroke-dasharray": name === "IOC" ? "4 2" : "none" });
    add("text", { x: x(day) + 2, y: 10, "font-size": 9 }, name === "today" ? `D+${day}` : name);
  }
  const legend = Object.entries(MODE_COLOURS).map(([mode, colour]) => element("span", { class: "swatch", style: `background:${colour}`, text: mode }));
  panel.replaceChildren(element("h2", { text: `Deployment: ${option.title}` }), element("p", {}, ...legend), svg);
}

async function reportPanel() {
  const panel = $("#tab-report");
  panel.replaceChildren(element("h2", { text: "Daily report" }));
  const reports = await api("/daily-reports?limit=20");
  if (!reports.data.length) {
    panel.append(element("p", { class: "hint", text: "No daily report you may read yet (a monitor starts one as a daily_report run)." }));
    return;
  }
  const newest = [...reports.data].sort((a, b) => (a.date < b.date ? 1 : -1))[0];
  const html = await api(`/daily-reports/${newest.run_key}/html`);
  const frame = element("iframe", { sandbox: "", title: "daily report" });
  frame.srcdoc = html;
  panel.append(element("p", { text: `${newest.agreement_id}, ${newest.date}` }), frame);
}

function showTab(name) {
  for (const section of document.querySelectorAll(".tab")) section.hidden = section.id !== `tab-${name}`;
  for (const button of document.querySelectorAll("#tabs button")) button.classList.toggle("active", button.dataset.tab === name);
  if (name === "gantt") drawGantt();
  if (name === "report") reportPanel().catch((error) => status(`daily report: ${error.message}`));
}

// --- incidents ------------------------------------------------------------------------------

async function loadIncidents() {
  const layer = await api("/picture/incidents");
  const clauses = [...new Set(layer.features.map((f) => f.properties.clause))].sort();
  const colours = Object.fromEntries(clauses.map((c, i) => [c, c === "none" ? "#9e9e9e" : CLAUSE_COLOURS[i % CLAUSE_COLOURS.length]]));
  for (const item of layer.features) item.properties.colour = colours[item.properties.clause];
  setData("incidents", layer);
  return layer;
}

async function incidentForm() {
  // the report's enumerations (types, sources, classifications) as the server declares them
  const schema = await fetch("/openapi.json")
    .then((response) => response.json())
    .catch(() => null);
  const form = $("#incident-form");
  const schemas = schema?.components?.schemas || {};
  const pick = (model, property) => {
    const declared = schemas[model]?.properties?.[property] || {};
    const named = declared.$ref ? schemas[declared.$ref.split("/").pop()] : declared;
    return named?.enum || [];
  };
  const fill = (select, values, chosen) => {
    select.replaceChildren(...values.map((v) => element("option", { value: v, text: v })));
    if (chosen && values.includes(chosen)) select.value = chosen;
  };
  fill(form.elements.type, pick("Incident", "type"), "artillery");
  fill(form.elements.source, pick("Incident", "source"), "patrol");
  fill(form.elements.classification, pick("Label", "classification"), "UNCLASSIFIED");
  form.elements.time.value = new Date().toISOString().slice(0, 16);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    const report = {
      id: `web-${crypto.randomUUID()}`,
      time: `${values.time}:00Z`,
      type: values.type,
      source: values.source,
      description: values.description,
      label: {
        classification: values.classification,
        releasable_to: values.releasable_to.split(/[\s,]+/).filter(Boolean).map((t) => t.toUpperCase()),
      },
    };
    if (values.mgrs.trim()) report.mgrs = values.mgrs.trim();
    if (values.lon !== "") report.lon = Number(values.lon);
    if (values.lat !== "") report.lat = Number(values.lat);
    if (values.attributed_to.trim()) report.attributed_to = values.attributed_to.trim();
    const result = $("#incident-result");
    try {
      const answer = await api("/incidents", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(report),
      });
      result.textContent = `stored ${report.id} (${answer.added} added)`;
      result.dataset.id = report.id;
      await loadIncidents();
    } catch (error) {
      result.textContent = `refused: ${error.message}`;
    }
  });
}

// --- exports ---------------------------------------------------------------------------------

function download(name, url) {
  const link = element("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

function exportPng() {
  map.once("render", () => download(`peaceforce-day-${state.day}.png`, map.getCanvas().toDataURL("image/png")));
  map.triggerRepaint();
}

function exportGeojson() {
  const id = $("#export-layer").value;
  const data = state.layers[id] || EMPTY;
  const blob = new Blob([JSON.stringify({ ...data, name: data.name || id })], { type: "application/geo+json" });
  download(`peaceforce-${id}.geojson`, URL.createObjectURL(blob));
}

// --- loading -------------------------------------------------------------------------------

function chooseOption(index) {
  state.option = state.plan.options[index];
  const option = state.option;
  const laydown = structuredClone(option.laydown);
  for (const item of laydown.features) item.properties.icon = symbolIcon(item.properties.sidc, item.properties.nation);
  fanOut(laydown.features);
  setData("laydown", laydown);
  const threats = [...new Set(option.air_defence.features.map((f) => f.properties.threat))];
  const colourOf = Object.fromEntries(threats.map((t, i) => [t, THREAT_COLOURS[i % THREAT_COLOURS.length]]));
  const threatSelect = $("#threat");
  threatSelect.replaceChildren(element("option", { value: "", text: "all" }), ...threats.map((t) => element("option", { value: t, text: t })));
  const rings = structuredClone(option.air_defence);
  for (const ring of rings.features) ring.properties.colour = colourOf[ring.properties.threat];
  state.rings = rings;
  setData("air_defence", rings);
  milestoneTicks(option);
  sourcingPanel();
  showDay(option.last_day);
}

function filterRings() {
  const threat = $("#threat").value;
  const rings = state.rings || EMPTY;
  setData("air_defence", threat ? { ...rings, features: rings.features.filter((f) => f.properties.threat === threat) } : rings);
}

async function loadFrontline() {
  const date = $("#snapshot").value;
  setData("frontline", await api(`/picture/frontline${date ? `?date=${date}` : ""}`));
  await loadZones();
}

async function loadZones() {
  const agreement = $("#agreement").value;
  if (!agreement) {
    setData("zones", EMPTY);
    return;
  }
  const date = $("#snapshot").value;
  const query = new URLSearchParams({ agreement, ...(date ? { date } : {}) });
  try {
    setData("zones", await api(`/picture/zones?${query}`));
  } catch (error) {
    status(`zones: ${error.message}`);
  }
}

async function loadPlan() {
  try {
    state.plan = await api(`/picture/plan?scenario=${SCENARIO}`);
  } catch (error) {
    if (error.status !== 404) throw error;
    state.plan = null;
    const runs = await api("/runs?limit=50").catch(() => ({ data: [] }));
    const pending = runs.data.find(
      (r) => r.kind === "plan" && r.scenario === SCENARIO && ["queued", "running"].includes(r.status),
    );
    if (pending) {
      status(`The plan is being computed (run ${pending.id}: ${pending.progress}); the force appears when it is done.`);
      setTimeout(() => loadPlan().catch((e) => status(e.message)), 2000);
    } else {
      status("No finished plan you may read: the force is not shown.");
      document.body.dataset.plan = "none";
      if (["planner", "admin"].includes(state.me.role)) {
        const button = element("button", { type: "button", id: "start-plan", text: `Plan ${SCENARIO} now` });
        button.addEventListener("click", async () => {
          button.disabled = true;
          try {
            await api("/runs", {
              method: "POST",
              headers: { "Content-Type": "application/json" },
              body: JSON.stringify({ kind: "plan", scenario: SCENARIO }),
            });
            await loadPlan();
          } catch (error) {
            status(`could not start the plan: ${error.message}`);
          }
        });
        $("#status").append(" ", button);
      }
    }
    $("#tab-mandate").replaceChildren(element("p", { class: "hint", text: "No plan you may read." }));
    return;
  }
  status("");
  const label = state.plan.label;
  $("#label").textContent = `${label.classification} REL ${label.releasable_to.join(", ")}`;
  $("#option").replaceChildren(...state.plan.options.map((o, i) => element("option", { value: String(i), text: o.title })));
  mandatePanel();
  chooseOption(0);
  document.body.dataset.plan = "ready";
}

async function start() {
  state.me = await api("/me");
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#who").textContent = `${state.me.name} (${state.me.role}, ${state.me.nation})`;
  map = new maplibregl.Map({
    container: "map",
    style: basemapStyle(),
    center: [31.5, 48.6],
    zoom: 5.1,
    attributionControl: false,
    canvasContextAttributes: { preserveDrawingBuffer: true },
    fadeDuration: 0, // symbols appear at once: a replayed day is drawn in one frame
  });
  window.peaceforce.map = map;
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  map.addControl(
    new maplibregl.AttributionControl({ customAttribution: "Natural Earth; DeepStateMap; geoBoundaries; GeoNames", compact: true }),
  );
  await new Promise((resolve) => map.on("load", resolve));
  addLayers();
  layerSwitches();
  map.on("mousemove", (event) => {
    const { lng, lat } = event.lngLat;
    let grid = "";
    try {
      grid = toMgrs([lng, lat], 5);
    } catch {
      grid = "outside MGRS";
    }
    $("#cursor").textContent = `${lat.toFixed(4)}° N ${lng.toFixed(4)}° E · MGRS ${grid}`;
  });
  map.on("click", (event) => {
    const form = $("#incident-form");
    form.elements.lon.value = event.lngLat.lng.toFixed(5);
    form.elements.lat.value = event.lngLat.lat.toFixed(5);
    const hit = map.queryRenderedFeatures(event.point, { layers: ["units-symbol", "laydown-symbol", "incidents-point", "zones-sites"] })[0];
    if (hit) {
      const rows = Object.entries(hit.properties).filter(([k]) => !["icon", "colour"].includes(k));
      const body = element("div", { class: "popup" }, table(["", ""], rows));
      new maplibregl.Popup({ maxWidth: "320px" }).setLngLat(event.lngLat).setDOMContent(body).addTo(map);
    }
  });

  const [context, settlements, regions, areas, agreements] = await Promise.all([
    api("/picture/context"),
    api("/picture/settlements"),
    api("/picture/regions"),
    api(`/picture/areas?scenario=${SCENARIO}`).catch(() => EMPTY),
    api("/agreements?limit=100").catch(() => ({ data: [] })),
  ]);
  setData("settlements", settlements);
  settlementLabels(settlements);
  setData("oblasts", regions);
  setData("areas", areas);
  const snapshots = [...context.snapshots].reverse();
  $("#snapshot").replaceChildren(
    ...(snapshots.length ? snapshots : [""]).map((d) => element("option", { value: d, text: d || "scenario's line" })),
  );
  $("#agreement").replaceChildren(
    element("option", { value: "", text: "none" }),
    ...agreements.data.map((a) => element("option", { value: a.agreement_id, text: a.agreement_id })),
  );
  if (agreements.data.length) $("#agreement").value = agreements.data[0].agreement_id;
  await Promise.all([loadFrontline(), loadPlan(), loadIncidents(), incidentForm()]);
  showTab("mandate");
  document.body.dataset.ready = "true";
}

function logout() {
  token = null;
  window.location.reload();
}

$("#login").addEventListener("submit", async (event) => {
  event.preventDefault();
  token = $("#token").value.trim();
  $("#token").value = "";
  try {
    await start();
  } catch (error) {
    token = null;
    $("#login-error").textContent = error.status === 401 ? "That token is not valid." : `Could not start: ${error.message}`;
    if (map) map.remove();
    map = null;
    $("#login").hidden = false;
    $("#app").hidden = true;
  }
});
$("#logout").addEventListener("click", logout);
$("#day").addEventListener("input", (event) => showDay(Number(event.target.value)));
$("#play").addEventListener("click", play);
$("#option").addEventListener("change", (event) => chooseOption(Number(event.target.value)));
$("#snapshot").addEventListener("change", () => loadFrontline().catch((e) => status(e.message)));
$("#agreement").addEventListener("change", () => loadZones());
$("#threat").addEventListener("change", filterRings);
$("#export-png").addEventListener("click", exportPng);
$("#export-geojson").addEventListener("click", exportGeojson);
for (const button of document.querySelectorAll("#tabs button")) button.addEventListener("click", () => showTab(button.dataset.tab));
