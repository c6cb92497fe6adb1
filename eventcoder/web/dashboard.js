// eventcoder dashboard: plain JavaScript and SVG, talking only to the server it came from.
//
// Everything shown from the database (article text, titles, actor names, ...) is untrusted:
// it reaches the page only as text nodes (textContent / createTextNode) or as attribute
// values set with setAttribute on attributes that cannot run code. Never innerHTML.
"use strict";

(() => {
  // PLOVER 2.0 categories in codebook order, with the colour each is drawn in.
  const TYPE_COLORS = {
    AGREE: "#1b9e77", CONSULT: "#66a61e", SUPPORT: "#9fcf4f", CONCEDE: "#5fb8a8",
    COOPERATE: "#1f78b4", AID: "#6baed6", RETREAT: "#8c9e3a", REQUEST: "#e6ab02",
    ACCUSE: "#ff7f00", REJECT: "#b48cc8", THREATEN: "#6a3d9a", PROTEST: "#e7298a",
    SANCTION: "#a6611a", MOBILIZE: "#7570b3", COERCE: "#f46d6d", ASSAULT: "#c8102e",
  };
  const TYPES = Object.keys(TYPE_COLORS);
  const OTHER_COLOR = "#888888";
  const SPAN_KINDS = [
    ["evidence", "evidence"], ["trigger", "trigger"], ["actor", "actor"], ["recipient", "recipient"],
    ["date", "date"], ["location", "place"], ["dead", "dead"], ["injured", "injured"],
    ["arrested", "arrested"], ["source", "reported by"], ["quote", "quote"], ["speaker", "speaker"],
  ];
  const PAGE = 100;
  const WORLD = { x: -180, y: -90, w: 360, h: 180 };

  const state = {
    selection: null, // {kind, label, params}: narrows the table only (a map place or a timeline day)
    bbox: null, // [minlon, minlat, maxlon, maxlat] from "filter to map view": narrows everything
    userMoved: false, // the map was zoomed or panned by hand: new data does not refit it
    dragged: false, // the pointer moved while down: the click that ends it is not a selection
    cursor: null,
    rows: 0,
    stats: null,
    countries: null,
    view: { ...WORLD },
    selectedEventId: null,
    shownArticle: null,
    articles: new Map(),
    seq: 0,
  };

  const $ = (id) => document.getElementById(id);
  const color = (type) => TYPE_COLORS[type] || OTHER_COLOR;

  // ---- DOM helpers: text only ----

  function el(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  function svgEl(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key.startsWith("on")) throw new Error("event handler attributes are not set from data");
      node.setAttribute(key, String(value));
    }
    return node;
  }

  function titled(node, text) {
    const title = svgEl("title");
    title.textContent = text;
    node.append(title);
    return node;
  }

  function setStatus(message) {
    $("status").textContent = message || "";
  }

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    let body = null;
    try { body = await response.json(); } catch (_) { /* not JSON */ }
    if (!response.ok) {
      let detail = body && body.detail;
      if (Array.isArray(detail)) detail = detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
      throw new Error(`${response.status} ${detail || response.statusText}`);
    }
    return body;
  }

  // ---- filters ----

  function filterParams() {
    const form = $("filters");
    const params = new URLSearchParams();
    for (const name of ["type", "mode", "country", "actor", "q", "since", "until"]) {
      const value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    }
    if (form.elements.include_unrealized.checked) params.set("include_unrealized", "true");
    if (state.bbox) params.set("bbox", state.bbox.join(","));
    return params;
  }

  function tableParams() {
    const params = filterParams();
    if (state.selection) for (const [k, v] of Object.entries(state.selection.params)) params.set(k, v);
    params.set("limit", String(PAGE));
    return params;
  }

  function renderChips() {
    const chips = $("chips");
    chips.replaceChildren();
    const chip = (label, clear) => {
      const button = el("button", null, "×");
      button.type = "button";
      button.title = "clear";
      button.addEventListener("click", clear);
      chips.append(el("span", "chip", label, button));
    };
    if (state.bbox) chip(`map view ${state.bbox.map((v) => v.toFixed(1)).join(", ")}`, () => { state.bbox = null; refresh(); });
    if (state.selection) chip(`table: ${state.selection.label}`, () => { select(null); });
  }

  function select(selection) {
    state.selection = selection;
    renderChips();
    markSelected();
    loadTable(true);
  }

  // ---- loading ----

  async function refresh() {
    const seq = ++state.seq;
    renderChips();
    setStatus("");
    try {
      const stats = await getJSON(`/stats?${filterParams()}`);
      if (seq !== state.seq) return; // a newer refresh is under way
      state.stats = stats;
      renderSummary();
      renderMap();
      renderTimeline();
      await loadTable(true);
    } catch (err) {
      if (seq === state.seq) setStatus(`Could not load events: ${err.message}`);
    }
  }

  async function loadTable(reset) {
    const params = tableParams();
    if (!reset && state.cursor) params.set("cursor", state.cursor);
    const seq = state.seq;
    try {
      const page = await getJSON(`/events?${params}`);
      if (seq !== state.seq) return;
      const body = $("events").tBodies[0];
      if (reset) { body.replaceChildren(); state.rows = 0; }
      for (const event of page.events) body.append(tableRow(event));
      state.rows += page.events.length;
      state.cursor = page.next_cursor;
      $("more").hidden = !page.next_cursor;
      $("table-note").textContent = `${state.rows} shown${page.next_cursor ? ", more below" : ""}`;
    } catch (err) {
      setStatus(`Could not load the event table: ${err.message}`);
    }
  }

  function renderSummary() {
    const s = state.stats;
    const span = s.first_day ? ` · ${s.first_day} to ${s.last_day}` : "";
    $("summary").textContent = `${s.total} events · ${s.dead} dead${span}`;
  }

  // ---- map ----

  function mapSize() {
    const box = $("map").getBoundingClientRect();
    return { width: Math.max(box.width, 50), height: Math.max(box.height, 50) };
  }

  // Set the view to cover [x0, x1] × [y0, y1] (degrees, y = -lat), widened to the panel's shape.
  function fitView(x0, y0, x1, y1) {
    const { width, height } = mapSize();
    let w = Math.max(x1 - x0, 1), h = Math.max(y1 - y0, 1);
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    if (w / h > width / height) h = w * height / width; else w = h * width / height;
    state.view = { x: cx - w / 2, y: cy - h / 2, w, h };
  }

  function fitEvents() {
    const places = (state.stats && state.stats.by_place) || [];
    if (!places.length) { fitView(-180, -75, 180, 85); return; }
    const lons = places.map((p) => p.lon), lats = places.map((p) => -p.lat);
    let x0 = Math.min(...lons), x1 = Math.max(...lons), y0 = Math.min(...lats), y1 = Math.max(...lats);
    const pad = Math.max(4, 0.15 * Math.max(x1 - x0, y1 - y0));
    fitView(x0 - pad, y0 - pad, x1 + pad, y1 + pad);
  }

  function applyView() {
    const svg = $("map").querySelector("svg");
    if (!svg) return;
    const v = state.view;
    svg.setAttribute("viewBox", `${v.x} ${v.y} ${v.w} ${v.h}`);
    const degPerPx = v.w / mapSize().width;
    for (const marker of svg.querySelectorAll(".marker")) {
      marker.setAttribute("r", String(Number(marker.dataset.px) * degPerPx));
    }
  }

  function markerPx(place) {
    return Math.min(4 + 3 * Math.sqrt(place.dead || 0) + Math.log2(place.n), 28);
  }

  function renderMap() {
    const host = $("map");
    let svg = host.querySelector("svg");
    const first = !svg;
    if (first) {
      svg = svgEl("svg", { role: "img", "aria-label": "map of events", preserveAspectRatio: "xMidYMid meet" });
      svg.append(svgEl("g", { class: "base" }), svgEl("g", { class: "markers" }));
      host.append(svg);
      wireMapControls(svg);
    }
    drawBase(svg);
    const layer = svg.querySelector(".markers");
    layer.replaceChildren();
    const places = [...state.stats.by_place].sort((a, b) => markerPx(b) - markerPx(a)); // big ones underneath
    for (const place of places) {
      const dot = svgEl("circle", { class: "marker", cx: place.lon, cy: -place.lat, fill: color(place.event_type) });
      dot.dataset.px = String(markerPx(place));
      dot.dataset.type = place.event_type;
      dot.dataset.key = `${place.lat},${place.lon},${place.event_type}`;
      const name = place.name || `${place.lat.toFixed(2)}, ${place.lon.toFixed(2)}`;
      titled(dot, `${name}${place.country ? ` (${place.country})` : ""}: ${place.n} ${place.event_type} event${place.n === 1 ? "" : "s"}, ${place.dead} dead`);
      dot.addEventListener("click", () => {
        if (state.dragged) return;
        const d = 0.0001; // the API rounds marker positions to 4 decimals
        select({
          kind: "place", key: dot.dataset.key, label: `${place.event_type} at ${name}`,
          params: { type: place.event_type, bbox: [place.lon - d, place.lat - d, place.lon + d, place.lat + d].join(",") },
        });
      });
      layer.append(dot);
    }
    if (first || !state.userMoved) fitEvents();
    applyView();
    markSelected();
    renderLegend();
  }

  function drawBase(svg) {
    const base = svg.querySelector(".base");
    if (!state.countries) return;
    const active = new Set(state.stats.by_country.map((c) => c.key).filter(Boolean));
    if (!base.childElementCount) {
      for (let lon = -180; lon <= 180; lon += 30) base.append(svgEl("line", { class: "graticule", x1: lon, y1: -90, x2: lon, y2: 90 }));
      for (let lat = -60; lat <= 60; lat += 30) base.append(svgEl("line", { class: "graticule", x1: -180, y1: -lat, x2: 180, y2: -lat }));
      for (const country of state.countries.countries) {
        const path = svgEl("path", { class: "country", d: country.d });
        if (country.iso3) path.dataset.iso3 = country.iso3;
        titled(path, country.name);
        base.append(path);
      }
    }
    for (const path of base.querySelectorAll(".country")) {
      path.classList.toggle("active", active.has(path.dataset.iso3));
    }
  }

  function zoom(factor, px, py) {
    const { width, height } = mapSize();
    const v = state.view;
    const fx = px === undefined ? 0.5 : px / width, fy = py === undefined ? 0.5 : py / height;
    const w = Math.min(Math.max(v.w * factor, 0.5), 720);
    const h = w * v.h / v.w;
    const ax = v.x + fx * v.w, ay = v.y + fy * v.h;
    state.view = { x: ax - fx * w, y: ay - fy * h, w, h };
    state.userMoved = true;
    applyView();
  }

  function wireMapControls(svg) {
    svg.addEventListener("wheel", (e) => {
      e.preventDefault();
      const box = svg.getBoundingClientRect();
      zoom(e.deltaY > 0 ? 1.25 : 0.8, e.clientX - box.left, e.clientY - box.top);
    }, { passive: false });
    let drag = null;
    svg.addEventListener("pointerdown", (e) => {
      drag = { x: e.clientX, y: e.clientY, view: { ...state.view } };
      state.dragged = false;
    });
    window.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!state.dragged && Math.hypot(dx, dy) < 4) return;
      state.dragged = true;
      svg.classList.add("dragging");
      const scale = drag.view.w / mapSize().width;
      state.view = { ...drag.view, x: drag.view.x - dx * scale, y: drag.view.y - dy * scale };
      state.userMoved = true;
      applyView();
    });
    window.addEventListener("pointerup", () => {
      drag = null;
      svg.classList.remove("dragging");
      setTimeout(() => { state.dragged = false; }, 0); // after the click that ends a drag
    });
    $("zoom-in").addEventListener("click", () => zoom(0.66));
    $("zoom-out").addEventListener("click", () => zoom(1.5));
    $("zoom-fit").addEventListener("click", () => { state.userMoved = false; fitEvents(); applyView(); });
    $("zoom-world").addEventListener("click", () => { state.userMoved = true; fitView(-180, -85, 180, 85); applyView(); });
  }

  function renderLegend() {
    const legend = $("legend");
    legend.replaceChildren();
    const present = new Set(state.stats.by_type.map((t) => t.key));
    const chosen = $("f-type").value;
    for (const type of TYPES.concat([...present].filter((t) => !TYPE_COLORS[t]))) {
      if (!present.has(type) && type !== chosen) continue;
      const swatch = el("span", "swatch");
      swatch.style.background = color(type);
      const count = (state.stats.by_type.find((t) => t.key === type) || { n: 0 }).n;
      const button = el("button", chosen && chosen !== type ? "off" : null, swatch, `${type} ${count}`);
      button.type = "button";
      button.title = chosen === type ? "show all types" : `show only ${type}`;
      button.addEventListener("click", () => {
        $("f-type").value = chosen === type ? "" : type;
        refresh();
      });
      legend.append(button);
    }
  }

  // ---- timeline ----

  const DAY_MS = 86400000;
  const dayNumber = (iso) => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
  const isoDay = (n) => new Date(n * DAY_MS).toISOString().slice(0, 10);

  function renderTimeline() {
    const host = $("timeline");
    host.replaceChildren();
    const s = state.stats;
    if (!s.by_day.length) { host.append(el("p", "empty", "No events for these filters.")); return; }
    const box = host.getBoundingClientRect();
    const width = Math.max(box.width, 200), height = Math.max(box.height, 100);
    const left = 34, right = 8, top = 8, bottom = 22;
    const first = dayNumber(s.first_day), last = dayNumber(s.last_day);
    const days = last - first + 1;
    const binDays = Math.max(1, Math.ceil(days / 150)); // long ranges are drawn in weeks or more
    const bins = Math.ceil(days / binDays);
    const stacks = Array.from({ length: bins }, () => new Map());
    for (const row of s.by_day) {
      const bin = Math.floor((dayNumber(row.day) - first) / binDays);
      stacks[bin].set(row.event_type, (stacks[bin].get(row.event_type) || 0) + row.n);
    }
    const totals = stacks.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
    const max = Math.max(...totals, 1);
    const plotW = width - left - right, plotH = height - top - bottom;
    const barW = plotW / bins;
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "events per day by type" });
    svg.append(svgEl("line", { class: "axis-line", x1: left, y1: top + plotH, x2: width - right, y2: top + plotH }));
    for (const value of [0, max]) {
      const label = svgEl("text", { class: "axis", x: left - 4, y: top + plotH - (value / max) * plotH + 3, "text-anchor": "end" });
      label.textContent = String(value);
      svg.append(label);
    }
    const order = (a, b) => (TYPES.indexOf(a) + 99 * !TYPE_COLORS[a]) - (TYPES.indexOf(b) + 99 * !TYPE_COLORS[b]);
    stacks.forEach((stack, bin) => {
      const since = isoDay(first + bin * binDays), until = isoDay(Math.min(first + (bin + 1) * binDays - 1, last));
      const range = since === until ? since : `${since} to ${until}`;
      const x = left + bin * barW;
      const hit = titled(svgEl("rect", { class: "day-hit", x, y: top, width: barW, height: plotH, "data-since": since }), `${range}: ${totals[bin]} events`);
      svg.append(hit);
      let y = top + plotH;
      for (const type of [...stack.keys()].sort(order)) {
        const n = stack.get(type);
        const h = (n / max) * plotH;
        y -= h;
        const bar = svgEl("rect", {
          class: "bar", x: x + Math.min(1, barW * 0.1), y, width: Math.max(barW - Math.min(2, barW * 0.2), 0.5), height: h,
          fill: color(type), "data-day": since, "data-type": type,
        });
        svg.append(titled(bar, `${range}: ${n} ${type}`));
      }
      const pick = () => select({ kind: "day", key: since, label: `${range}`, params: { since, until } });
      hit.addEventListener("click", pick);
      svg.querySelectorAll(`.bar[data-day="${since}"]`).forEach((bar) => bar.addEventListener("click", pick));
    });
    const ticks = Math.min(bins, Math.max(2, Math.floor(plotW / 90)));
    for (let i = 0; i < ticks; i++) {
      const bin = Math.round(i * (bins - 1) / Math.max(ticks - 1, 1));
      const label = svgEl("text", { class: "axis", x: left + (bin + 0.5) * barW, y: height - 6, "text-anchor": "middle" });
      label.textContent = isoDay(first + bin * binDays);
      svg.append(label);
    }
    host.append(svg);
    markSelected();
  }

  function markSelected() {
    const sel = state.selection;
    document.querySelectorAll("#map .marker").forEach((m) => m.classList.toggle("selected", !!sel && sel.kind === "place" && sel.key === m.dataset.key));
    document.querySelectorAll("#timeline .day-hit").forEach((r) => r.classList.toggle("selected", !!sel && sel.kind === "day" && sel.key === r.dataset.since));
  }

  // ---- table ----

  const names = (refs) => refs.map((r) => r.name || r.text).join("; ");
  const placeName = (loc) => (loc ? [loc.name || loc.text, loc.country].filter(Boolean).join(", ") : "");
  const cut = (text, n) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
  const realized = (e) => !(e.negated || e.hypothetical);

  function flags(event) {
    const out = [];
    if (event.negated) out.push(el("span", "tag", "negated"));
    if (event.hypothetical) out.push(el("span", "tag", "hypothetical"));
    return out;
  }

  function tableRow(event) {
    const dot = el("span", "type-dot");
    dot.style.background = color(event.event_type);
    const num = (v) => el("td", "num", v === null || v === undefined ? "" : String(v));
    const row = el("tr", realized(event) ? null : "unrealized",
      el("td", null, event.date || event.story_date),
      el("td", null, dot, event.event_type, ...flags(event)),
      el("td", null, event.mode || ""),
      el("td", null, names(event.actors)),
      el("td", null, names(event.recipients)),
      el("td", null, placeName(event.location)),
      num(event.dead), num(event.injured),
      el("td", "evidence-cell", cut(event.evidence.text, 160)));
    row.dataset.eventId = event.id;
    row.tabIndex = 0;
    if (event.id === state.selectedEventId) row.classList.add("selected");
    const open = () => showEvidence(event);
    row.addEventListener("click", open);
    row.addEventListener("keydown", (e) => { if (e.key === "Enter") open(); });
    return row;
  }

  // ---- evidence view ----

  async function showEvidence(event) {
    state.selectedEventId = event.id;
    document.querySelectorAll("#events tbody tr").forEach((r) => r.classList.toggle("selected", r.dataset.eventId === event.id));
    let article = state.articles.get(event.article_id);
    try {
      if (!article) {
        article = await getJSON(`/articles/${encodeURIComponent(event.article_id)}`);
        state.articles.set(event.article_id, article);
      }
    } catch (err) {
      setStatus(`Could not load article ${event.article_id}: ${err.message}`);
      return;
    }
    if (state.selectedEventId !== event.id) return; // another row was clicked meanwhile
    state.shownArticle = { article, event };
    renderEvidence();
  }

  function safeLink(url) {
    // only web links become clickable; anything else (javascript:, data:) stays plain text
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
      const a = el("a", null, url);
      a.href = parsed.href;
      a.rel = "noopener noreferrer";
      a.target = "_blank";
      return a;
    } catch (_) {
      return null;
    }
  }

  function fact(dl, term, ...value) {
    const parts = value.filter((v) => v !== null && v !== undefined && v !== "");
    if (!parts.length) return;
    dl.append(el("dt", null, term), el("dd", null, ...parts));
  }

  function renderEvidence() {
    const { article, event } = state.shownArticle;
    const host = $("evidence");
    host.replaceChildren();
    host.append(el("h3", null, article.title || "(untitled article)"));
    const meta = el("p", "meta", article.date);
    if (article.source) meta.append(` · ${article.source}`);
    if (article.url) meta.append(" · ", safeLink(article.url) || article.url);
    meta.append(` · article ${article.id}`);
    host.append(meta);

    const dl = el("dl");
    fact(dl, "Event", `${event.event_type}${event.mode ? ` · ${event.mode}` : ""}`, ...flags(event));
    fact(dl, "Date", event.date ? `${event.date}${event.date_text ? ` (“${event.date_text}”)` : ""}` : `story date ${event.story_date}`,
      event.date_reason ? ` — ${event.date_reason}` : "");
    if (event.location) {
      const loc = event.location;
      const where = [placeName(loc), loc.lat !== null && loc.lat !== undefined ? `${loc.lat.toFixed(3)}, ${loc.lon.toFixed(3)}` : null]
        .filter(Boolean).join(" · ");
      fact(dl, "Place", where, loc.reason ? ` — ${loc.reason}` : "");
    }
    const refs = (list) => list.map((r) => [r.name || r.text, r.country, r.sector].filter(Boolean).join(" · ")).join("; ");
    fact(dl, "Actors", refs(event.actors));
    fact(dl, "Recipients", refs(event.recipients));
    for (const kind of ["dead", "injured", "arrested"]) {
      if (event[kind] !== null && event[kind] !== undefined) {
        const q = event.qualifiers && event.qualifiers[kind];
        fact(dl, kind[0].toUpperCase() + kind.slice(1), `${event[kind]}${q ? ` (${q})` : ""}`);
      }
    }
    fact(dl, "Reported by", event.reported_by.map((s) => s.name || s.text).join("; "));
    if (event.acled && event.acled.event_type) fact(dl, "ACLED", [event.acled.event_type, event.acled.sub_event_type].filter(Boolean).join(" / "));
    fact(dl, "CAMEO", event.cameo);
    fact(dl, "Confidence", typeof event.confidence === "number" ? event.confidence.toFixed(2) : null);
    if (event.reasons && event.reasons.length) fact(dl, "Fallbacks", event.reasons.join("; "));
    host.append(dl);

    const legend = el("div", "span-legend");
    for (const [kind, label] of SPAN_KINDS) legend.append(el("span", `hl hl-${kind}`, label));
    host.append(legend);

    const everyEvent = $("all-spans").checked;
    const spans = article.spans.filter((s) => everyEvent || s.event_id === event.id);
    const text = el("div", "article-text");
    text.id = "article-text";
    highlight(text, article.text, spans, event.id);
    host.append(text);
    // bring the evidence into view inside the panel only (never scroll the page or the table)
    const current = text.querySelector(".hl-current");
    host.scrollTop = 0;
    if (current) {
      const below = current.getBoundingClientRect().bottom - host.getBoundingClientRect().bottom;
      if (below > 0) host.scrollTop = below + host.clientHeight / 3;
    }
  }

  // Cut the text at every span boundary; each piece becomes a text node, wrapped in a <mark>
  // carrying the kinds of the spans that cover it. Overlapping spans therefore nest cleanly.
  function highlight(container, text, spans, currentId) {
    const cuts = new Set([0, text.length]);
    for (const s of spans) { cuts.add(s.start); cuts.add(s.end); }
    const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
    let marked = false;
    for (let i = 0; i + 1 < points.length; i++) {
      const start = points[i], end = points[i + 1];
      const piece = text.slice(start, end);
      const covering = spans.filter((s) => s.start <= start && s.end >= end);
      if (!covering.length) { container.append(document.createTextNode(piece)); continue; }
      const kinds = [...new Set(covering.map((s) => s.kind))];
      const mark = el("mark", ["hl", ...kinds.map((k) => `hl-${k}`)].join(" "), piece);
      mark.dataset.kinds = kinds.join(" ");
      mark.dataset.events = [...new Set(covering.map((s) => s.event_id))].join(" ");
      mark.title = covering.map((s) => `${s.kind}${s.label ? `: ${s.label}` : ""}${s.located === "search" ? " (found by search)" : ""}`).join("\n");
      if (!marked && covering.some((s) => s.event_id === currentId && s.kind === "evidence")) {
        mark.classList.add("hl-current");
        marked = true;
      }
      container.append(mark);
    }
  }

  // ---- start ----

  function debounce(fn, ms) {
    let timer = null;
    return () => { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  function init() {
    const typeSelect = $("f-type");
    for (const type of TYPES) typeSelect.append(new Option(type, type));
    const form = $("filters");
    const later = debounce(() => { state.selection = null; refresh(); }, 300);
    for (const name of ["mode", "country", "actor", "q"]) form.elements[name].addEventListener("input", later);
    for (const name of ["type", "since", "until", "include_unrealized"]) {
      form.elements[name].addEventListener("change", () => { state.selection = null; refresh(); });
    }
    form.addEventListener("submit", (e) => { e.preventDefault(); refresh(); });
    form.addEventListener("reset", () => {
      state.selection = null;
      state.bbox = null;
      setTimeout(refresh, 0); // after the form has cleared its fields
    });
    $("f-view").addEventListener("click", () => {
      const v = state.view;
      const clamp = (x, lo, hi) => Math.min(Math.max(x, lo), hi);
      state.bbox = [clamp(v.x, -180, 180), clamp(-(v.y + v.h), -90, 90), clamp(v.x + v.w, -180, 180), clamp(-v.y, -90, 90)];
      state.selection = null;
      refresh();
    });
    $("more").addEventListener("click", () => loadTable(false));
    $("all-spans").addEventListener("change", () => { if (state.shownArticle) renderEvidence(); });
    window.addEventListener("resize", debounce(() => { if (state.stats) { renderMap(); renderTimeline(); } }, 200));

    getJSON("/static/countries.json")
      .then((data) => { state.countries = data; if (state.stats) renderMap(); })
      .catch((err) => setStatus(`Could not load the base map: ${err.message}`));
    refresh();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
