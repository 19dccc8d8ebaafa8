// Small SVG charts for the result pages: a line chart, a timeline of events and horizontal bars (no libraries).
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const CHART = { width: 880, height: 260, left: 56, right: 16, top: 14, bottom: 40 };

function svgElement(name, attributes, text) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

function niceTicks(low, high, count) {
  const span = Math.max(high - low, 1e-9);
  const raw = span / count;
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  const ticks = [];
  for (let value = Math.ceil(low / step) * step; value <= high + 1e-9; value += step) ticks.push(value);
  return ticks;
}

function axes(svg, xRange, yRange, xLabel, yLabel, height) {
  const c = CHART;
  const x = (v) => c.left + ((v - xRange[0]) / (xRange[1] - xRange[0] || 1)) * (c.width - c.left - c.right);
  const y = (v) => height - c.bottom - ((v - yRange[0]) / (yRange[1] - yRange[0] || 1)) * (height - c.top - c.bottom);
  svg.appendChild(svgElement("line", { class: "axis", x1: c.left, x2: c.width - c.right,
                                       y1: height - c.bottom, y2: height - c.bottom }));
  for (const tick of niceTicks(xRange[0], xRange[1], 8)) {
    svg.appendChild(svgElement("text", { x: x(tick), y: height - c.bottom + 16, "text-anchor": "middle" },
                               String(+tick.toFixed(2))));
  }
  svg.appendChild(svgElement("text", { x: (c.left + c.width) / 2, y: height - 6, "text-anchor": "middle" }, xLabel));
  if (yLabel) {
    svg.appendChild(svgElement("line", { class: "axis", x1: c.left, x2: c.left, y1: c.top, y2: height - c.bottom }));
    for (const tick of niceTicks(yRange[0], yRange[1], 5)) {
      svg.appendChild(svgElement("text", { x: c.left - 6, y: y(tick) + 4, "text-anchor": "end" },
                                 String(+tick.toFixed(2))));
    }
    svg.appendChild(svgElement("text", { x: 14, y: (height - c.bottom + c.top) / 2, "text-anchor": "middle",
                                         transform: `rotate(-90 14 ${(height - c.bottom + c.top) / 2})` }, yLabel));
  }
  return { x, y };
}

function newSvg(height, label) {
  return svgElement("svg", { viewBox: `0 0 ${CHART.width} ${height}`, width: "100%", role: "img", "aria-label": label });
}

// A line of ys against xs.
function lineChart(xs, ys, xLabel, yLabel) {
  const svg = newSvg(CHART.height, yLabel + " against " + xLabel);
  const top = Math.max(...ys, 1) * 1.05;
  const scale = axes(svg, [xs[0] || 0, xs[xs.length - 1] || 1], [0, top], xLabel, yLabel, CHART.height);
  const step = Math.max(1, Math.floor(xs.length / 2000));  // at most ~2000 points drawn
  const points = [];
  for (let i = 0; i < xs.length; i += step) points.push(`${scale.x(xs[i]).toFixed(1)},${scale.y(ys[i]).toFixed(1)}`);
  svg.appendChild(svgElement("polyline", { class: "line", points: points.join(" ") }));
  return svg;
}

// One red tick per event time on a 0..duration axis.
function timeline(times, duration, xLabel) {
  const height = 110;
  const svg = newSvg(height, "timeline of " + times.length + " events");
  const scale = axes(svg, [0, Math.max(duration, 1e-3)], [0, 1], xLabel, "", height);
  for (const time of times) {
    svg.appendChild(svgElement("line", { class: "tick", x1: scale.x(time), x2: scale.x(time),
                                         y1: scale.y(0.95), y2: scale.y(0) }));
  }
  return svg;
}

// Horizontal bars, one per (label, value in 0..1), in the order given.
function barChart(labels, values) {
  const row = 24;
  const height = labels.length * row + 10;
  const svg = newSvg(height, "probabilities");
  const left = 170, width = CHART.width - left - 70;
  labels.forEach((label, i) => {
    const y = 5 + i * row;
    svg.appendChild(svgElement("text", { x: left - 8, y: y + 16, "text-anchor": "end" }, label));
    svg.appendChild(svgElement("rect", { class: "bar", x: left, y: y + 3, height: row - 6,
                                         width: Math.max(1, values[i] * width) }));
    svg.appendChild(svgElement("text", { x: left + values[i] * width + 6, y: y + 16 }, (100 * values[i]).toFixed(1) + " %"));
  });
  return svg;
}
