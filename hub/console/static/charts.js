// Hand-written SVG charts: a time series (lines per day) and horizontal bars. No library.
const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceMax(value) {
  if (value <= 5) return 5;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

// series: [{key, label, color, values: [number per day]}]; days: ["YYYY-MM-DD", ...]
export function timeSeries(container, days, series, { formatDay, formatNumber, title }) {
  const width = 640, height = 260, left = 56, right = 12, top = 12, bottom = 32;
  const max = niceMax(Math.max(1, ...series.flatMap((s) => s.values)));
  const x = (i) => left + (days.length <= 1 ? 0 : (i * (width - left - right)) / (days.length - 1));
  const y = (v) => top + (height - top - bottom) * (1 - v / max);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "series" });
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    root.append(svg("line", { x1: left, x2: width - right, y1: y(v), y2: y(v), class: "grid" }));
    root.append(svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" }, formatNumber(v)));
  }
  const every = Math.max(1, Math.ceil(days.length / 8));
  days.forEach((day, i) => {
    const last = i === days.length - 1 && (days.length - 1) % every >= every / 2;
    if (i % every === 0 || last) {
      root.append(svg("text", { x: x(i), y: height - 10, "text-anchor": "middle", class: "axis" }, formatDay(day)));
    }
  });
  for (const s of series) {
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    root.append(svg("polyline", { points, fill: "none", stroke: s.color, "stroke-width": 2.5, "data-series": s.key }));
    s.values.forEach((v, i) => {
      const dot = svg("circle", { cx: x(i), cy: y(v), r: 2.8, fill: s.color });
      dot.append(svg("title", {}, `${formatDay(days[i])} ${s.label}: ${formatNumber(v)}`));
      root.append(dot);
    });
  }
  container.replaceChildren(root);
}

// bars: [{label, values: [number...]}], keys: [{label, color}] drawn side by side per row.
export function barChart(container, bars, keys, { formatNumber, title, empty }) {
  if (!bars.length) {
    container.replaceChildren(Object.assign(document.createElement("p"), { className: "muted", textContent: empty }));
    return;
  }
  const width = 640, labelWidth = 190, right = 56, rowHeight = 14 * keys.length + 14, top = 8;
  const height = top + rowHeight * bars.length + 8;
  const max = niceMax(Math.max(1, ...bars.flatMap((b) => b.values)));
  const scale = (v) => ((width - labelWidth - right) * v) / max;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "bars" });
  bars.forEach((bar, row) => {
    const y0 = top + row * rowHeight;
    root.append(svg("text", { x: labelWidth - 8, y: y0 + rowHeight / 2 + 2, "text-anchor": "end", class: "label" }, bar.label));
    bar.values.forEach((v, k) => {
      const y = y0 + 4 + k * 14;
      const rect = svg("rect", { x: labelWidth, y, width: Math.max(1, scale(v)), height: 11, fill: keys[k].color, rx: 2 });
      rect.append(svg("title", {}, `${bar.label} ${keys[k].label}: ${formatNumber(v)}`));
      root.append(rect);
      root.append(svg("text", { x: labelWidth + scale(v) + 4, y: y + 9, class: "value" }, formatNumber(v)));
    });
  });
  container.replaceChildren(root);
}
