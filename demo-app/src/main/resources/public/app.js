// The demo page: no build step, no framework. The consistency token rides in the rr_session cookie.
'use strict';

const $ = (id) => document.getElementById(id);
const COLORS = ['#2f6fdb', '#e67e22', '#27ae60', '#8e44ad', '#c0392b', '#16a085', '#d35400', '#2c3e50',
  '#f1c40f', '#7f8c8d', '#e84393', '#00b894'];
let me = localStorage.getItem('rr-user') || '';
// A node keeps its colour while others come and go: colours go by id, in the order ids are first seen.
const colorById = new Map();

function colorOf(id) {
  if (!colorById.has(id)) colorById.set(id, COLORS[colorById.size % COLORS.length]);
  return colorById.get(id);
}

let opsTokenAsked = false;

// X-Requested-By is the same-origin proof the server demands of state-changing requests (a cross-site page cannot
// send it); the operations token, when the server wants one, is asked for once and kept for this tab.
async function api(method, path, body) {
  const headers = { 'X-Requested-By': 'ringroute' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const opsToken = sessionStorage.getItem('rr-ops-token');
  if (opsToken && path.startsWith('/api/ops')) headers.Authorization = 'Bearer ' + opsToken;
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401 && path.startsWith('/api/ops')) {
    sessionStorage.removeItem('rr-ops-token');
    const token = opsTokenAsked ? null : window.prompt('Operations token (ops.token)');
    opsTokenAsked = true;
    if (token) {
      sessionStorage.setItem('rr-ops-token', token);
      return api(method, path, body);
    }
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw new Error(data.error || (res.status + ' ' + res.statusText));
  }
  return data;
}

function showError(e) {
  const box = $('error');
  box.textContent = e ? e.message : '';
  box.hidden = !e;
}

async function act(fn) {
  try {
    showError(null);
    await fn();
  } catch (e) {
    showError(e);
  }
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => {
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'style') node.style.cssText = v; // CSSOM: allowed by the CSP, a style attribute is not
    else node.setAttribute(k, v);
  });
  children.forEach((c) => node.append(c));
  return node;
}

// ---- timeline view ---------------------------------------------------------------------------------------------

async function loadUsers() {
  const users = await api('GET', '/api/users?limit=60');
  const select = $('user');
  select.replaceChildren(...users.map((u) => el('option', { value: u.id }, `${u.id} (${u.followers} followers)`)));
  if (me && !users.some((u) => u.id === me)) {
    select.prepend(el('option', { value: me }, me));
  }
  if (!me && users.length) {
    me = users.find((u) => u.followers < 40 && u.following > 2)?.id || users[0].id;
  }
  select.value = me;
}

async function refreshTimeline() {
  if (!me) return;
  const [profile, following, timeline] = await Promise.all([
    api('GET', `/api/users/${me}`),
    api('GET', `/api/users/${me}/following`),
    api('GET', `/api/users/${me}/timeline`),
  ]);
  $('profile').replaceChildren(
    el('h3', {}, profile.name + ' '), el('div', { class: 'muted' }, '@' + profile.id),
    el('p', {}, profile.bio || ''),
    el('div', {}, `${profile.followers} followers · ${profile.following} following · ${profile.posts} posts`));
  $('following').replaceChildren(...following.map((f) => el('li', {}, f + ' ',
    el('button', { class: 'small', onclick: () => act(async () => {
      await api('DELETE', `/api/users/${me}/following/${f}`);
      await refreshTimeline();
    }) }, 'unfollow'))));
  $('assembly').textContent = `${timeline.posts.length} posts: ${timeline.fannedOut} fanned out on write `
    + `(${timeline.cachedTimelineHit ? 'cached timeline' : 'timeline rebuilt'}), merged on read: `
    + `${timeline.mergedCelebrities.map((c) => '@' + c).join(', ') || 'none'}, own: ${timeline.own}`;
  $('timeline').replaceChildren(...timeline.posts.map(renderPost));
}

function renderPost(p) {
  return el('li', { 'data-ref': p.author + '/' + p.id },
    el('span', { class: 'who' }, '@' + p.author), ' ',
    el('span', { class: 'when' }, new Date(p.createdAtMillis).toLocaleTimeString()),
    el('div', { class: 'text' }, p.text),
    el('button', { class: 'small', onclick: () => act(async () => {
      await api('POST', `/api/posts/${p.author}/${p.id}/likes`, { user: me });
      await refreshTimeline();
    }) }, `♥ ${p.likes}`));
}

// The server's rule (Text.java): code points after stripping blanks (separators, controls, format characters such as
// U+200B and U+FEFF, Hangul fillers) at both ends.
const BLANKS = /^[\p{Z}\p{Cc}\p{Cf}\u115F\u1160\u3164\uFFA0]+|[\p{Z}\p{Cc}\p{Cf}\u115F\u1160\u3164\uFFA0]+$/gu;

function countCodePoints(s) {
  return [...s.replace(BLANKS, '')].length;
}

function wireTimeline() {
  $('user').addEventListener('change', (e) => act(async () => {
    me = e.target.value;
    localStorage.setItem('rr-user', me);
    await refreshTimeline();
  }));
  $('post-text').addEventListener('input', () => {
    const n = countCodePoints($('post-text').value);
    $('post-count').textContent = `${n} / 280`;
    $('post-count').className = n > 280 ? 'over' : '';
  });
  $('post-button').addEventListener('click', () => act(async () => {
    await api('POST', `/api/users/${me}/posts`, { text: $('post-text').value });
    $('post-text').value = '';
    $('post-count').textContent = '0 / 280';
    await refreshTimeline();
  }));
  $('follow-button').addEventListener('click', () => act(async () => {
    await api('POST', `/api/users/${me}/following`, { user: $('follow-id').value.trim() });
    $('follow-id').value = '';
    await refreshTimeline();
  }));
  $('edit-save').addEventListener('click', () => act(async () => {
    const body = {};
    if ($('edit-name').value.trim()) body.name = $('edit-name').value;
    if ($('edit-bio').value.trim()) body.bio = $('edit-bio').value;
    await api('PATCH', `/api/users/${me}`, body);
    await refreshTimeline();
  }));
  $('new-create').addEventListener('click', () => act(async () => {
    const p = await api('POST', '/api/users', { id: $('new-id').value.trim(), name: $('new-name').value });
    me = p.id;
    localStorage.setItem('rr-user', me);
    await loadUsers();
    await refreshTimeline();
  }));
}

// ---- operations view -------------------------------------------------------------------------------------------

const SVG = 'http://www.w3.org/2000/svg';

function point(fraction, r) {
  const a = fraction * 2 * Math.PI - Math.PI / 2;
  return [120 + r * Math.cos(a), 120 + r * Math.sin(a)];
}

// Arcs shorter than this (a third of a pixel) are not drawn: an SVG arc whose ends nearly coincide can render as
// a full circle around another centre.
const MIN_ARC = 0.0005;

function drawRing(svg, ring) {
  const r = 95;
  [...ring.nodes].map((n) => n.id).sort().forEach(colorOf);
  const visible = ring.arcs.filter(([start, end]) => ((end <= start ? end + 1 : end) - start) >= MIN_ARC);
  const paths = visible.map(([start, end, owner]) => {
    let e = end <= start ? end + 1 : end;
    if (e - start >= 0.999999) e = start + 0.999999;
    const [x0, y0] = point(start, r);
    const [x1, y1] = point(e, r);
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', `M ${x0} ${y0} A ${r} ${r} 0 ${e - start > 0.5 ? 1 : 0} 1 ${x1} ${y1}`);
    path.setAttribute('stroke', colorOf(ring.nodes[owner].id));
    path.setAttribute('stroke-width', '26');
    path.setAttribute('fill', 'none');
    path.setAttribute('data-owner', ring.nodes[owner].id);
    return path;
  });
  const label = document.createElementNS(SVG, 'text');
  label.setAttribute('x', '120');
  label.setAttribute('y', '126');
  label.setAttribute('text-anchor', 'middle');
  label.textContent = `${ring.nodes.length} nodes, ${ring.arcs.length} arcs`;
  svg.replaceChildren(...paths, label);
  svg.setAttribute('data-nodes', ring.nodes.map((n) => n.id).join(','));
}

function swatch(id) {
  const s = el('span', { class: 'swatch' });
  s.style.background = colorOf(id);
  return s;
}

function pct(x) {
  return (100 * x).toFixed(1) + '%';
}

function renderProgress(box, change) {
  if (!change) {
    box.replaceChildren();
    return;
  }
  const total = change.total > 0 ? Math.max(change.total, change.done) : 0;
  const frac = total > 0 ? change.done / total : (change.state === 'done' ? 1 : 0);
  const fill = el('div', {});
  fill.style.width = `${(100 * frac).toFixed(1)}%`;
  box.replaceChildren(el('div', { class: 'progress-text' }, `${change.what}: ${change.state} `
    + `(${change.done}/${total || '?'} ${change.unit}) ${change.message || ''}`), el('div', { class: 'bar' }, fill));
}

function renderCache(cache, busy) {
  drawRing($('cache-ring'), cache.ring);
  const shares = Object.fromEntries(cache.ring.nodes.map((n) => [n.id, n.share]));
  $('cache-nodes').replaceChildren(
    el('tr', {}, ...['node', 'share', 'entries', 'hit rate', 'state', ''].map((h) => el('th', {}, h))),
    ...cache.nodes.map((n) => {
      const share = shares[n.id] || 0;
      const lookups = n.hits + n.misses;
      const remove = el('button', { class: 'small',
        onclick: () => act(() => api('DELETE', `/api/ops/cache-nodes/${n.id}`)) }, 'remove');
      remove.disabled = busy || cache.nodes.length <= cache.replicas;
      return el('tr', { 'data-node': n.id },
        el('td', {}, swatch(n.id), n.id), el('td', {}, pct(share)), el('td', {}, n.entries < 0 ? '-' : String(n.entries)),
        el('td', {}, lookups ? pct(n.hits / lookups) : '-'), el('td', {}, n.state), el('td', {}, remove));
    }));
  const total = cache.hits + cache.misses;
  $('cache-totals').textContent = `replicas per key: ${cache.replicas} · hit rate ${total ? pct(cache.hits / total) : '-'}`
    + ` over ${total} lookups`;
  renderProgress($('cache-change'), cache.change);
}

function renderShards(shards, busy) {
  drawRing($('shard-ring'), shards.ring);
  const shares = Object.fromEntries(shards.ring.nodes.map((n) => [n.id, n.share]));
  $('shards').replaceChildren(
    el('tr', {}, ...['shard', 'share', 'users', 'posts', 'follows', 'replica lag', ''].map((h) => el('th', {}, h))),
    ...shards.shards.map((s) => {
      const share = shares[s.name] || 0;
      const lag = s.replicas.map((r) => `${r.lagMillis === null ? 'unknown' : r.lagMillis + ' ms'} (${r.state})`)
        .join(', ') || 'no replica';
      const remove = el('button', { class: 'small',
        onclick: () => act(() => api('DELETE', `/api/ops/shards/${s.name}`)) }, 'remove');
      remove.disabled = busy || shards.shards.length <= 1;
      return el('tr', { 'data-shard': s.name },
        el('td', {}, swatch(s.name), s.name), el('td', {}, pct(share)), el('td', {}, String(s.rows.users ?? '-')),
        el('td', {}, String(s.rows.posts ?? '-')), el('td', {}, String(s.rows.following ?? '-')),
        el('td', {}, lag), el('td', {}, remove));
    }));
  renderProgress($('shard-change'), shards.change);
}

function renderLoad(load) {
  const rows = [['running', load.running ? `yes, target ${load.targetRate} ops/s` : 'no'],
    ['throughput', load.opsPerSecond.toFixed(0) + ' ops/s'], ['latency p50 / p99',
      `${load.p50Millis.toFixed(1)} / ${load.p99Millis.toFixed(1)} ms`], ['operations', load.ops],
    ['errors', load.errors + (load.lastError ? ' (last: ' + load.lastError + ')' : '')]];
  $('load').replaceChildren(...rows.map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', {}, String(v)))));
}

async function refreshOps() {
  const ops = await api('GET', '/api/ops');
  const cacheBusy = ops.cache.change && ops.cache.change.state === 'running';
  const shardBusy = ops.shards.change && ops.shards.change.state === 'running';
  renderCache(ops.cache, cacheBusy);
  renderShards(ops.shards, shardBusy);
  renderLoad(ops.load);
  $('add-cache-node').disabled = cacheBusy || ops.mode !== 'embedded';
  $('add-shard').disabled = shardBusy || ops.mode !== 'embedded';
  $('mode').textContent = `mode: ${ops.mode} · celebrity threshold: ${ops.celebrityThreshold} followers`;
}

function seriesOf(samples, field) {
  const ids = [...new Set(samples.flatMap((x) => Object.keys(x[field])))].sort();
  return ids.map((id) => ({ id, color: colorOf(id), values: samples.map((x) => x[field][id] ?? null) }));
}

function legend(box, series) {
  box.replaceChildren(...series.map((s) => {
    const sw = el('span', { class: 'swatch' });
    sw.style.background = s.color;
    return el('span', { class: 'legend-item' }, sw, s.id);
  }));
}

async function refreshHistory() {
  const h = await api('GET', '/api/ops/history');
  const times = h.samples.map((x) => x.atMillis);
  const markers = (tier) => h.markers.filter((m) => !tier || m.tier === tier);
  const charts = {
    'chart-hit-rate': { series: [{ id: 'hit rate', color: '#27ae60', values: h.samples.map((x) => x.hitRate) }],
      unit: '%', fixedMax: 1, markers: markers('cache') },
    'chart-throughput': { series: [{ id: 'ops/s', color: '#2f6fdb', values: h.samples.map((x) => x.opsPerSecond) }],
      unit: 'ops/s', markers: markers() },
    'chart-latency': { series: [
      { id: 'p50', color: '#2f6fdb', values: h.samples.map((x) => x.p50Millis) },
      { id: 'p99', color: '#c0392b', values: h.samples.map((x) => x.p99Millis) }], unit: 'ms', markers: markers() },
    'chart-lag': { series: seriesOf(h.samples, 'lagMillis'), unit: 'ms', markers: markers('shards') },
    'chart-rows': { series: seriesOf(h.samples, 'rows'), unit: 'rows', markers: markers('shards') },
  };
  Object.entries(charts).forEach(([id, c]) => {
    Charts.draw($(id), { times, windowMillis: h.windowMillis, ...c });
    legend($(id + '-legend'), c.series);
  });
}

function wireOps() {
  $('add-cache-node').addEventListener('click', () => act(async () => {
    await api('POST', '/api/ops/cache-nodes');
    await refreshOps();
  }));
  $('add-shard').addEventListener('click', () => act(async () => {
    await api('POST', '/api/ops/shards');
    await refreshOps();
  }));
  $('load-start').addEventListener('click', () => act(() => api('POST', '/api/ops/load',
    { rate: Number($('load-rate').value) })));
  $('load-stop').addEventListener('click', () => act(() => api('DELETE', '/api/ops/load')));
}

// ---- tabs and polling ------------------------------------------------------------------------------------------

let poller = null;
const TIMELINE_REFRESH_MILLIS = 5000;

function route() {
  const ops = location.hash === '#ops';
  $('view-ops').hidden = !ops;
  $('view-timeline').hidden = ops;
  $('tab-ops').className = ops ? 'active' : '';
  $('tab-timeline').className = ops ? '' : 'active';
  clearInterval(poller);
  if (ops) {
    act(refreshOps);
    act(refreshHistory);
    poller = setInterval(() => Promise.all([refreshOps(), refreshHistory()]).catch(showError), 1000);
  } else {
    act(refreshTimeline);
    poller = setInterval(() => refreshTimeline().catch(showError), TIMELINE_REFRESH_MILLIS);
  }
}

wireTimeline();
wireOps();
window.addEventListener('hashchange', route);
act(async () => {
  await loadUsers();
  route();
});
