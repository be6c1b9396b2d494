// Time-series charts for the operations view, drawn as plain SVG: no library, no inline script.
'use strict';

const Charts = (() => {
  const NS = 'http://www.w3.org/2000/svg';
  const W = 460;
  const H = 150;
  const PAD = { left: 46, right: 8, top: 10, bottom: 20 };

  function svgEl(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, String(v)));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A round upper bound for the y axis: 1, 2 or 5 times a power of ten, at least the largest value.
  function niceMax(max) {
    if (!(max > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(max)));
    return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= max);
  }

  function format(v, unit) {
    if (unit === '%') return (100 * v).toFixed(0) + '%';
    if (v >= 10000) return (v / 1000).toFixed(0) + 'k';
    if (v >= 1000) return (v / 1000).toFixed(1) + 'k';
    return (v < 10 && v !== 0 ? v.toFixed(1) : v.toFixed(0));
  }

  const LABEL_CHAR_WIDTH = 5.6; // px per character of a 10px marker label (a generous estimate)
  const LABEL_LANES = 4;

  /**
   * Puts a marker's label in the first lane (row under the top) where it does not overlap the label before it;
   * when every lane is taken there, it joins the label placed last, as "label +N" (N more changes just after),
   * so labels of changes close in time stay readable instead of printing over each other.
   */
  function placeLabel(placed, mx, label, parts) {
    const { lanes } = placed;
    const width = label.length * LABEL_CHAR_WIDTH;
    const nearEnd = mx + 3 + width > W - PAD.right;
    const from = nearEnd ? mx - 3 - width : mx + 3;
    let lane = lanes.findIndex((l) => l.end + 4 <= from);
    if (lane < 0 && lanes.length < LABEL_LANES) {
      lane = lanes.length;
      lanes.push({ end: -Infinity });
    }
    if (lane < 0) {
      const last = lanes[placed.last];
      last.more += 1;
      last.node.textContent = `${last.label} +${last.more}`;
      last.end = Math.max(last.end, last.start + last.node.textContent.length * LABEL_CHAR_WIDTH);
      return;
    }
    const node = svgEl('text', { x: (nearEnd ? mx - 3 : mx + 3).toFixed(1), y: PAD.top + 9 + 11 * lane,
      'text-anchor': nearEnd ? 'end' : 'start', class: 'marker-label' }, label);
    lanes[lane] = { start: from, end: from + width, node, label, more: 0 };
    placed.last = lane;
    parts.push(node);
  }

  /**
   * Draws one chart into `svg`: `series` is [{id, color, values: [number|null per sample]}], `times` the sample
   * times, `markers` [{atMillis, label}] vertical lines. A null value breaks the line (unknown, not zero).
   */
  function draw(svg, { times, series, markers, unit, fixedMax, windowMillis }) {
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    const end = times.length ? times[times.length - 1] : Date.now();
    const start = end - windowMillis;
    const all = series.flatMap((s) => s.values.filter((v) => v !== null && Number.isFinite(v)));
    const yMax = fixedMax || niceMax(Math.max(0, ...all));
    const x = (t) => PAD.left + (W - PAD.left - PAD.right) * (t - start) / windowMillis;
    const y = (v) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - Math.min(v, yMax) / yMax);
    const parts = [];
    [0, 0.5, 1].forEach((f) => {
      const v = yMax * f;
      parts.push(svgEl('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: 'grid' }));
      parts.push(svgEl('text', { x: PAD.left - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' },
        format(v, unit)));
    });
    [5, 4, 3, 2, 1, 0].forEach((m) => {
      const t = end - m * 60000;
      parts.push(svgEl('text', { x: x(t), y: H - 5, 'text-anchor': m === 0 ? 'end' : 'middle', class: 'axis' },
        m === 0 ? 'now' : `-${m}m`));
    });
    const placed = { lanes: [], last: -1 };
    markers.filter((m) => m.atMillis >= start).sort((a, b) => a.atMillis - b.atMillis).forEach((m) => {
      const mx = x(m.atMillis);
      parts.push(svgEl('line', { x1: mx.toFixed(1), x2: mx.toFixed(1), y1: PAD.top, y2: H - PAD.bottom,
        class: 'marker' }));
      placeLabel(placed, mx, m.label, parts);
    });
    series.forEach((s) => {
      let d = '';
      let pen = false;
      let points = 0;
      s.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v) || times[i] < start) {
          pen = false;
          return;
        }
        d += `${pen ? 'L' : 'M'}${x(times[i]).toFixed(1)},${y(v).toFixed(1)} `;
        pen = true;
        points++;
      });
      const path = svgEl('path', { d: d.trim(), class: 'series', stroke: s.color, 'data-series': s.id,
        'data-points': points });
      parts.push(path);
    });
    svg.replaceChildren(...parts);
  }

  return { draw };
})();
