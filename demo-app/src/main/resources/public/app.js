// The demo page: no build step, no framework. The consistency token rides in the rr_session cookie.
'use strict';

const $ = (id) => document.getElementById(id);
const COLORS = ['#2f6fdb', '#e67e22', '#27ae60', '#8e44ad', '#c0392b', '#16a085', '#d35400', '#2c3e50',
  '#f1c40f', '#7f8c8d', '#e84393', '#00b894'];
let me = localStorage.getItem('rr-user') || '';

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
  if (res.status === 401 && path.startsWith('/api/ops') && !opsToken) {
    const token = window.prompt('Operations token (ops.token)');
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

function drawRing(svg, ring) {
  const r = 95;
  const paths = ring.arcs.map(([start, end, owner]) => {
    let e = end <= start ? end + 1 : end;
    if (e - start >= 0.999999) e = start + 0.999999;
    const [x0, y0] = point(start, r);
    const [x1, y1] = point(e, r);
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', `M ${x0} ${y0} A ${r} ${r} 0 ${e - start > 0.5 ? 1 : 0} 1 ${x1} ${y1}`);
    path.setAttribute('stroke', COLORS[owner % COLORS.length]);
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

function swatch(i) {
  return el('span', { class: 'swatch', style: `background:${COLORS[i % COLORS.length]}` });
}

function pct(x) {
  return (100 * x).toFixed(1) + '%';
}

function renderProgress(box, change) {
  if (!change) {
    box.replaceChildren();
    return;
  }
  const frac = change.total > 0 ? change.done / change.total : (change.state === 'done' ? 1 : 0);
  const bar = el('div', { class: 'bar' }, el('div', { style: `width:${(100 * frac).toFixed(1)}%` }));
  box.replaceChildren(el('div', {}, `${change.what}: ${change.state} `
    + `(${change.done}/${change.total || '?'} ${change.unit}) ${change.message || ''}`), bar);
}

function renderCache(cache, busy) {
  drawRing($('cache-ring'), cache.ring);
  const shares = Object.fromEntries(cache.ring.nodes.map((n, i) => [n.id, [n.share, i]]));
  $('cache-nodes').replaceChildren(
    el('tr', {}, ...['node', 'share', 'entries', 'hit rate', 'state', ''].map((h) => el('th', {}, h))),
    ...cache.nodes.map((n) => {
      const [share, i] = shares[n.id] || [0, 0];
      const lookups = n.hits + n.misses;
      const remove = el('button', { class: 'small',
        onclick: () => act(() => api('DELETE', `/api/ops/cache-nodes/${n.id}`)) }, 'remove');
      remove.disabled = busy || cache.nodes.length <= cache.replicas;
      return el('tr', { 'data-node': n.id },
        el('td', {}, swatch(i), n.id), el('td', {}, pct(share)), el('td', {}, n.entries < 0 ? '-' : String(n.entries)),
        el('td', {}, lookups ? pct(n.hits / lookups) : '-'), el('td', {}, n.state), el('td', {}, remove));
    }));
  const total = cache.hits + cache.misses;
  $('cache-totals').textContent = `replicas per key: ${cache.replicas} · hit rate ${total ? pct(cache.hits / total) : '-'}`
    + ` over ${total} lookups`;
  renderProgress($('cache-change'), cache.change);
}

function renderShards(shards, busy) {
  drawRing($('shard-ring'), shards.ring);
  const shares = Object.fromEntries(shards.ring.nodes.map((n, i) => [n.id, [n.share, i]]));
  $('shards').replaceChildren(
    el('tr', {}, ...['shard', 'share', 'users', 'posts', 'follows', 'replica lag', ''].map((h) => el('th', {}, h))),
    ...shards.shards.map((s) => {
      const [share, i] = shares[s.name] || [0, 0];
      const lag = s.replicas.map((r) => `${r.lagMillis} ms (${r.state})`).join(', ') || 'no replica';
      const remove = el('button', { class: 'small',
        onclick: () => act(() => api('DELETE', `/api/ops/shards/${s.name}`)) }, 'remove');
      remove.disabled = busy || shards.shards.length <= 1;
      return el('tr', { 'data-shard': s.name },
        el('td', {}, swatch(i), s.name), el('td', {}, pct(share)), el('td', {}, String(s.rows.users ?? '-')),
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

function route() {
  const ops = location.hash === '#ops';
  $('view-ops').hidden = !ops;
  $('view-timeline').hidden = ops;
  $('tab-ops').className = ops ? 'active' : '';
  $('tab-timeline').className = ops ? '' : 'active';
  clearInterval(poller);
  if (ops) {
    act(refreshOps);
    poller = setInterval(() => refreshOps().catch(showError), 1000);
  } else {
    act(refreshTimeline);
  }
}

wireTimeline();
wireOps();
window.addEventListener('hashchange', route);
act(async () => {
  await loadUsers();
  route();
});
