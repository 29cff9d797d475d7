// The kjump run report: draws the run's event list (the JSON in #kjump-data, written by
// report/events_json.cpp) as a timeline of lanes in an SVG, with zoom, pan, hover and click.
// Plain DOM and SVG, no libraries: the page must open from a file with no network.
// After drawing it writes what it drew into #kjump-selfcheck (lanes, arrows, badges, errors),
// which the headless-browser test reads back (tests/report/report_test.sh).
"use strict";

(function () {
  const errors = [];
  function showError(text) {
    errors.push(text);
    const box = document.getElementById("errors");
    box.hidden = false;
    box.textContent = errors.join("\n");
    writeSelfCheck();
  }
  window.addEventListener("error", (e) => showError("error: " + e.message + " (" + e.filename + ":" + e.lineno + ")"));

  const SVG = "http://www.w3.org/2000/svg";
  const LABEL_W = 170;     // the lane names on the left
  const AXIS_H = 34;       // the axis on top
  const LANE_H = { kernel: 34, helper: 28, routine: 28, cpu: 24, device: 22, session: 26 };
  const LANE_ORDER = ["kernel", "helper", "routine", "cpu", "device", "session"];
  const SPANS = new Set(["run", "boot", "swap", "reentry", "paging-off", "device", "step"]);

  const data = JSON.parse(document.getElementById("kjump-data").textContent);
  const state = { axis: 0, t0: 0, t1: 1, selected: null, drawn: {} };

  // ---- the data, once ----
  const lanes = data.lanes.map((l, i) => ({ index: i, kind: l.kind, name: l.name }));
  // A lane appears only if something is drawn on it.
  const used = new Set();
  for (const e of data.events) {
    if (e.lane >= 0) used.add(e.lane);
    if (e.to >= 0) used.add(e.to);
  }
  const shown = lanes.filter((l) => used.has(l.index))
    .sort((a, b) => LANE_ORDER.indexOf(a.kind) - LANE_ORDER.indexOf(b.kind) || a.index - b.index);
  let y = AXIS_H;
  for (const l of shown) {
    l.y = y;
    l.h = LANE_H[l.kind] || 24;
    y += l.h;
  }
  const height = y + 8;
  const laneOf = new Map(shown.map((l) => [l.index, l]));
  const events = data.events.map((e, i) => Object.assign({ id: i }, e));
  const jumps = events.filter((e) => e.k === "jump");
  const findings = events.filter((e) => e.k === "finding");
  const kernelNames = shown.filter((l) => l.kind === "kernel").map((l) => l.name);

  // ---- numbers ----
  function fmtCount(n) {
    if (n >= 1e9) return (n / 1e9).toFixed(n >= 1e10 ? 1 : 2) + "G";
    if (n >= 1e6) return (n / 1e6).toFixed(n >= 1e7 ? 1 : 2) + "M";
    if (n >= 1e3) return (n / 1e3).toFixed(n >= 1e4 ? 1 : 2) + "k";
    return String(Math.round(n));
  }
  function fmtNs(ns) {
    if (ns >= 1e9) return (ns / 1e9).toFixed(3) + " s";
    if (ns >= 1e6) return (ns / 1e6).toFixed(3) + " ms";
    if (ns >= 1e3) return (ns / 1e3).toFixed(3) + " µs";
    return Math.round(ns) + " ns";
  }
  function fmtAxis(v) { return state.axis === 0 ? fmtCount(v) : fmtNs(v); }
  function stampText(s) {
    return "run: " + s[0].toLocaleString("en") + " instructions, " + fmtNs(s[1]) +
      "\nmachine: instruction " + s[2].toLocaleString("en") + ", virtual time " + fmtNs(s[3]);
  }
  function niceStep(span, target) {
    const raw = span / target;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
    return 10 * p;
  }

  // ---- geometry ----
  function width() { return Math.max(400, document.getElementById("timeline").clientWidth); }
  function plotW() { return width() - LABEL_W - 10; }
  function x(v) { return LABEL_W + (v - state.t0) / (state.t1 - state.t0) * plotW(); }
  function valueAt(px) { return state.t0 + (px - LABEL_W) / plotW() * (state.t1 - state.t0); }
  function fullRange() { return [0, Math.max(1, data.end[state.axis])]; }
  function setView(t0, t1) {
    const [lo, hi] = fullRange();
    const minSpan = 20;
    let span = Math.max(minSpan, Math.min(hi - lo, t1 - t0));
    t0 = Math.max(lo, Math.min(t0, hi - span));
    state.t0 = t0;
    state.t1 = t0 + span;
    draw();
  }
  function zoom(factor, aroundPx) {
    const c = aroundPx === undefined ? (state.t0 + state.t1) / 2 : valueAt(aroundPx);
    setView(c - (c - state.t0) * factor, c + (state.t1 - c) * factor);
  }

  // ---- drawing ----
  function el(name, attrs, parent, text) {
    const n = document.createElementNS(SVG, name);
    for (const k in attrs) n.setAttribute(k, attrs[k]);
    if (text !== undefined) n.textContent = text;
    if (parent) parent.appendChild(n);
    return n;
  }
  function stepClass(e) {
    const verb = e.name.split(" ")[0];
    return verb === "send" || verb === "expect" ? verb : "wait";
  }

  function draw() {
    const W = width();
    const svg = el("svg", { width: W, height: height, viewBox: "0 0 " + W + " " + height });
    const drawn = { lanes: [], spans: 0, markers: 0, arrows: 0, badges: 0 };
    // lanes
    shown.forEach((l, i) => {
      el("rect", { x: 0, y: l.y, width: W, height: l.h, class: "lane-bg" + (i % 2 ? " alt" : "") }, svg);
      const label = el("text", { x: 8, y: l.y + l.h / 2 + 4, class: "lane-label" }, svg, l.kind === "kernel" ? "kernel " + l.name : l.name);
      if (l.kind === "device" || l.kind === "cpu" || l.kind === "session") {
        el("tspan", { class: "lane-kind", dx: 6 }, label, l.kind === "device" ? "device" : "");
      }
      drawn.lanes.push(l.kind + ":" + l.name);
    });
    // axis
    const axis = el("g", { class: "axis" }, svg);
    const step = niceStep(state.t1 - state.t0, Math.max(2, plotW() / 110));
    for (let v = Math.ceil(state.t0 / step) * step; v <= state.t1; v += step) {
      const px = x(v);
      el("line", { x1: px, y1: AXIS_H - 6, x2: px, y2: height, class: "grid" }, axis);
      el("text", { x: px + 2, y: AXIS_H - 10 }, axis, fmtAxis(v));
    }
    el("text", { x: 8, y: 14 }, axis, state.axis === 0 ? "guest instructions" : "virtual time");
    const visible = (a, b) => b >= state.t0 && a <= state.t1;
    // spans
    for (const e of events) {
      if (!SPANS.has(e.k)) continue;
      const l = laneOf.get(e.lane);
      if (!l) continue;
      const a = e.at[state.axis], b = e.end[state.axis];
      if (!visible(a, b)) continue;
      const x0 = Math.max(LABEL_W, x(a)), x1 = Math.min(W, x(b));
      const w = Math.max(1, x1 - x0);
      let cls = "span k-" + e.k;
      if (e.k === "device") cls += e.quiet ? " quiet" : " active";
      if (e.k === "step") cls += " " + stepClass(e);
      if (state.selected === e.id) cls += " selected";
      const pad = e.k === "swap" || e.k === "reentry" ? 3 : 5;
      const r = el("rect", { x: x0, y: l.y + pad, width: w, height: l.h - 2 * pad, class: cls }, svg);
      r.dataset.id = e.id;
      drawn.spans++;
      if (w > 60) {
        el("text", { x: x0 + 3, y: l.y + l.h / 2 + 4, class: "span-label" }, svg, clip(e.name, w / 6));
      }
    }
    // markers
    for (const e of events) {
      if (SPANS.has(e.k) || e.k === "jump") continue;
      const l = laneOf.get(e.lane);
      if (!l) continue;
      const a = e.at[state.axis];
      if (!visible(a, a)) continue;
      const px = x(a), cy = l.y + l.h / 2;
      let m;
      if (e.k === "checkpoint") m = el("path", { d: diamond(px, cy, 5) }, svg);
      else if (e.k === "snapshot") m = el("rect", { x: px - 4, y: cy - 4, width: 8, height: 8 }, svg);
      else if (e.k === "entry") m = el("path", { d: "M" + px + " " + (l.y + 2) + "l6 6h-12z" }, svg);
      else if (e.k === "cr3") m = el("line", { x1: px, y1: l.y + 3, x2: px, y2: l.y + l.h - 3 }, svg);
      else if (e.k === "power-on" || e.k === "power-off") m = el("rect", { x: px - 1.5, y: l.y + 1, width: 3, height: l.h - 2 }, svg);
      else if (e.k === "finding" || e.k === "fault") {
        m = el("circle", { cx: px, cy: l.y + 9, r: 7 }, svg);
        el("text", { x: px - 2.5, y: l.y + 13, class: "badge-text" }, svg, e.k === "fault" ? "x" : "!");
        drawn.badges++;
      } else m = el("circle", { cx: px, cy: cy, r: 3 }, svg);
      m.setAttribute("class", "marker m-" + e.k + (state.selected === e.id ? " selected" : ""));
      m.dataset.id = e.id;
      drawn.markers++;
    }
    // jump arrows, on top
    const defs = el("defs", {}, svg);
    const mk = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
    el("path", { d: "M0 0L10 5L0 10z", fill: "#111827" }, mk);
    let lastLabel = -Infinity;
    for (const e of jumps) {
      const from = laneOf.get(e.lane), to = laneOf.get(e.to);
      if (!from || !to) continue;
      const a = e.at[state.axis], b = e.end[state.axis];
      if (!visible(a, b)) continue;
      const x0 = x(a), x1 = Math.max(x(b), x0 + 2);
      const y0 = from.y + from.h / 2, y1 = to.y + to.h / 2;
      const g = el("g", { class: "jump" + (state.selected === e.id ? " selected" : "") }, svg);
      const bend = Math.max(12, Math.min(60, (x1 - x0) / 2 + 12));
      el("path", { d: "M" + x0 + " " + y0 + "C" + (x0 + bend) + " " + y0 + " " + (x1 - bend) + " " + y1 + " " + x1 + " " + y1,
                   "marker-end": "url(#arrow)", class: state.selected === e.id ? "selected" : "" }, g);
      // a wide invisible stroke to hover and click
      el("path", { d: "M" + x0 + " " + y0 + "L" + x1 + " " + y1, stroke: "transparent", "stroke-width": 10, fill: "none" }, g).dataset.id = e.id;
      g.dataset.id = e.id;
      // Labels where there is room for them: never closer than a label's width to the last one.
      const lx = (x0 + x1) / 2 + 4;
      if (lx - lastLabel > 250) {
        el("text", { x: lx, y: (y0 + y1) / 2 - 2 }, g, "entry " + e.entry + " / back " + e.back);
        lastLabel = lx;
      }
      drawn.arrows++;
    }
    const box = document.getElementById("timeline");
    box.replaceChildren(svg);
    state.drawn = drawn;
    writeSelfCheck();
  }
  function diamond(cx, cy, r) { return "M" + cx + " " + (cy - r) + "l" + r + " " + r + "l" + -r + " " + r + "l" + -r + " " + -r + "z"; }
  function clip(s, n) { n = Math.floor(n); return s.length > n ? s.slice(0, Math.max(1, n - 1)) + "…" : s; }

  // ---- hover and click ----
  function eventOf(target) {
    while (target && target !== document) {
      if (target.dataset && target.dataset.id !== undefined) return events[Number(target.dataset.id)];
      target = target.parentNode;
    }
    return null;
  }
  function laneName(i) { const l = lanes[i]; return l ? (l.kind === "kernel" ? "kernel " + l.name : l.name) : "?"; }
  function describe(e) {
    let t = e.name + "\n" + laneName(e.lane);
    if (e.k === "jump") t += " → " + (e.to >= 0 ? laneName(e.to) : "?") + "\nentry " + e.entry + ", jump-back entry " + e.back;
    t += "\n" + stampText(e.at);
    if (SPANS.has(e.k) || e.k === "jump") {
      t += "\nlasting " + (e.end[0] - e.at[0]).toLocaleString("en") + " instructions, " + fmtNs(e.end[1] - e.at[1]);
    }
    if (e.hash) t += "\nstate hash " + e.hash;
    if (e.pages) t += "\npages: " + e.pages;
    if (e.detail && e.detail !== e.name) t += "\n" + e.detail;
    return t;
  }
  const tip = document.getElementById("tooltip");
  const timeline = document.getElementById("timeline");
  timeline.addEventListener("mousemove", (ev) => {
    if (drag) return;
    const e = eventOf(ev.target);
    if (!e) { tip.hidden = true; return; }
    tip.textContent = describe(e);
    tip.hidden = false;
    tip.style.left = Math.min(window.innerWidth - 540, ev.clientX + 14) + "px";
    tip.style.top = (ev.clientY + 14) + "px";
  });
  timeline.addEventListener("mouseleave", () => { tip.hidden = true; });

  function select(e) {
    state.selected = e.id;
    draw();
    const d = document.getElementById("details");
    d.replaceChildren();
    const h = document.createElement("h3");
    h.textContent = e.name;
    d.appendChild(h);
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = describe(e);
    d.appendChild(meta);
    if (e.before || e.after) d.appendChild(fieldTable(e));
    const title = document.createElement("div");
    title.textContent = "serial output around it:";
    d.appendChild(title);
    d.appendChild(serialAround(e.serial));
    writeSelfCheck();
  }
  function fieldTable(e) {
    const before = new Map(e.before || []), after = new Map(e.after || []);
    const names = Array.from(new Set([...before.keys(), ...after.keys()]));
    const t = document.createElement("table");
    t.className = "fields";
    const head = e.k === "jump" ? ["field", "before the suspend", "after the resume"] : ["field", "before", "after"];
    const tr = t.insertRow();
    for (const c of head) { const th = document.createElement("th"); th.textContent = c; tr.appendChild(th); }
    for (const n of names) {
      const row = t.insertRow();
      const b = before.get(n), a = after.get(n);
      if (b !== a) row.className = "changed";
      for (const c of [n, b === undefined ? "" : b, a === undefined ? (e.k === "jump" ? "(not resumed)" : "") : a]) {
        row.insertCell().textContent = c;
      }
    }
    return t;
  }
  function serialAround(at) {
    const pre = document.createElement("pre");
    const s = data.serial;
    const from = Math.max(0, at - 1600), to = Math.min(s.length, at + 500);
    pre.appendChild(document.createTextNode((from > 0 ? "…" : "") + s.slice(from, at)));
    const here = document.createElement("span");
    here.className = "here";
    here.textContent = "▶";
    pre.appendChild(here);
    pre.appendChild(document.createTextNode(s.slice(at, to) + (to < s.length ? "…" : "")));
    setTimeout(() => { pre.scrollTop = Math.max(0, here.offsetTop - pre.offsetTop - 120); }, 0);
    return pre;
  }
  function focus(e) {
    const a = e.at[state.axis], b = Math.max(e.end[state.axis], a + 1);
    const span = Math.max((b - a) * 6, (state.t1 - state.t0) / 50, 200);
    setView((a + b) / 2 - span / 2, (a + b) / 2 + span / 2);
    select(e);
  }

  // ---- pan and zoom ----
  let drag = null;
  timeline.addEventListener("mousedown", (ev) => { drag = { x: ev.clientX, t0: state.t0, t1: state.t1, moved: false }; });
  window.addEventListener("mousemove", (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x;
    if (Math.abs(dx) > 3) { drag.moved = true; timeline.classList.add("dragging"); }
    if (!drag.moved) return;
    const dv = dx / plotW() * (drag.t1 - drag.t0);
    setView(drag.t0 - dv, drag.t1 - dv);
  });
  window.addEventListener("mouseup", (ev) => {
    if (drag && !drag.moved) {
      const e = eventOf(ev.target);
      if (e) select(e);
    }
    drag = null;
    timeline.classList.remove("dragging");
  });
  timeline.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const rect = timeline.getBoundingClientRect();
    zoom(ev.deltaY > 0 ? 1.25 : 0.8, ev.clientX - rect.left);
  }, { passive: false });
  document.getElementById("zoom-in").onclick = () => zoom(0.5);
  document.getElementById("zoom-out").onclick = () => zoom(2);
  document.getElementById("zoom-fit").onclick = () => setView(...fullRange());
  document.getElementById("axis").onchange = (ev) => {
    // keep the same stretch of the run in view, in the other unit
    const mid = nearest((state.t0 + state.t1) / 2);
    const frac = (state.t1 - state.t0) / (fullRange()[1] || 1);
    state.axis = Number(ev.target.value);
    const span = frac * fullRange()[1];
    const c = mid ? mid.at[state.axis] : span / 2;
    setView(c - span / 2, c + span / 2);
  };
  function nearest(v) {
    let best = null;
    for (const e of events) if (!best || Math.abs(e.at[state.axis] - v) < Math.abs(best.at[state.axis] - v)) best = e;
    return best;
  }
  window.addEventListener("keydown", (ev) => {
    if (ev.target.tagName === "SELECT") return;
    const span = state.t1 - state.t0;
    if (ev.key === "+" || ev.key === "=") zoom(0.5);
    else if (ev.key === "-") zoom(2);
    else if (ev.key === "0") setView(...fullRange());
    else if (ev.key === "ArrowLeft") setView(state.t0 - span / 5, state.t1 - span / 5);
    else if (ev.key === "ArrowRight") setView(state.t0 + span / 5, state.t1 + span / 5);
  });
  window.addEventListener("resize", () => draw());

  // ---- the header and the lists ----
  function header() {
    document.getElementById("title").textContent = data.title;
    const s = document.getElementById("summary");
    const parts = [
      ["instructions", data.end[0].toLocaleString("en")], ["virtual time", fmtNs(data.end[1])],
      ["kernels", kernelNames.join(", ") || "none"], ["kexec jumps", String(jumps.length)],
      ["audit findings", String(findings.length)],
      ["checkpoints", String(events.filter((e) => e.k === "checkpoint").length)],
    ];
    s.replaceChildren();
    parts.forEach(([k, v], i) => {
      if (i) s.appendChild(document.createTextNode(" · "));
      s.appendChild(document.createTextNode(k + " "));
      const b = document.createElement("b");
      b.textContent = v;
      s.appendChild(b);
    });
    const table = document.getElementById("jumps");
    const head = table.insertRow();
    for (const c of ["#", "from", "to", "entry", "jump-back entry", "pages", "at instruction"]) {
      const th = document.createElement("th"); th.textContent = c; head.appendChild(th);
    }
    jumps.forEach((e, i) => {
      const r = table.insertRow();
      r.className = "jump-row";
      for (const c of [i + 1, laneName(e.lane), e.to >= 0 ? laneName(e.to) : "?", e.entry, e.back,
                       e.pages || "", e.at[0].toLocaleString("en")]) r.insertCell().textContent = c;
      r.onclick = () => focus(e);
    });
    const ul = document.getElementById("findings");
    if (!findings.length) {
      const li = document.createElement("li");
      li.className = "clean";
      li.textContent = "no findings";
      ul.appendChild(li);
    }
    for (const e of findings) {
      const li = document.createElement("li");
      li.className = "finding";
      li.textContent = e.detail;
      li.onclick = () => focus(e);
      ul.appendChild(li);
    }
  }

  function writeSelfCheck() {
    const out = document.getElementById("kjump-selfcheck");
    if (!out) return;
    const d = state.drawn || {};
    out.textContent = JSON.stringify({
      lanes: d.lanes || [], kernels: kernelNames, jumps: jumps.length, arrows: d.arrows || 0,
      peered: jumps.filter((e) => e.to >= 0).length,  // jumps whose peer is known: each is an arrow
      findings: findings.length, badges: d.badges || 0, spans: d.spans || 0, markers: d.markers || 0,
      selected: state.selected === null ? null : events[state.selected].k + ":" + events[state.selected].name,
      detailRows: document.querySelectorAll("#details table.fields tr").length,
      detailChanged: document.querySelectorAll("#details table.fields tr.changed").length,
      detailSerial: (document.querySelector("#details pre") || { textContent: "" }).textContent.length,
      errors: errors,
    });
    out.dataset.ready = "1";
  }

  // file:///run.html#select=jump:3 opens with the fourth jump selected (details shown, the
  // whole run in view); #focus=jump:3 also zooms onto it. Kinds as in the data: jump, finding,
  // checkpoint, entry, device, ...
  function fromHash() {
    const m = /(select|focus)=([a-z0-9-]+):(\d+)/.exec(location.hash);
    if (!m) return;
    const e = events.filter((x) => x.k === m[2])[Number(m[3])];
    if (!e) { showError("no " + m[2] + " number " + m[3] + " in this run"); return; }
    if (m[1] === "focus") focus(e); else select(e);
  }

  header();
  setView(...fullRange());
  fromHash();
})();
