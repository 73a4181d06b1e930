/**
 * The admin UI's script: plain browser JS, no framework, no build step.
 * Graph data is hostile input, so it is only ever set with textContent.
 * (Kept free of backticks and dollar-braces: it lives in a template string.)
 */
export const ADMIN_JS = String.raw`
'use strict';
(function () {
  var api = '/api/v1';
  var $ = function (id) { return document.getElementById(id); };
  var state = { soul: null, source: null, states: {}, lastSoul: null, prefix: '' };

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function enc(path) { return encodeURIComponent(path); }
  function bytes(n) {
    if (n > 1073741824) return (n / 1073741824).toFixed(1) + ' GB';
    if (n > 1048576) return (n / 1048576).toFixed(1) + ' MB';
    return Math.round(n / 1024) + ' kB';
  }
  function duration(s) {
    if (s < 120) return s + ' s';
    if (s < 7200) return Math.round(s / 60) + ' min';
    return (s / 3600).toFixed(1) + ' h';
  }
  // A relay with HTTP credentials answers 401: ask for a token once, keep it for this tab only.
  function token() {
    try { return sessionStorage.getItem('trellis-token') || ''; } catch (e) { return ''; }
  }
  function getJson(url) {
    var headers = { accept: 'application/json' };
    if (token()) headers.authorization = 'Bearer ' + token();
    return fetch(url, { headers: headers }).then(function (r) {
      if (r.status === 401) {
        var given = window.prompt('This relay needs an access token (read or write):');
        if (given) {
          try { sessionStorage.setItem('trellis-token', given); } catch (e) {}
          return getJson(url);
        }
      }
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    });
  }
  function withToken(url) {
    return token() ? url + (url.indexOf('?') === -1 ? '?' : '&') + 'access_token=' + encodeURIComponent(token()) : url;
  }

  // ---- status: metrics and peers, polled ----
  function refreshStatus() {
    getJson(api + '/status').then(function (res) {
      var d = res.body.data;
      $('m-peers').textContent = d.mesh.peers;
      $('m-souls').textContent = d.souls;
      $('m-frames').textContent = d.mesh.framesIn + ' / ' + d.mesh.framesOut;
      $('m-writes').textContent = d.counters.writesFromPeers + d.counters.writesFromHttp + d.counters.writesLocal;
      $('m-rss').textContent = bytes(d.memory.rss);
      $('m-uptime').textContent = duration(d.uptimeSeconds);
      var body = $('peer-body');
      body.textContent = '';
      d.peers.forEach(function (p) {
        var tr = el('tr');
        tr.appendChild(el('td', p.id));
        tr.appendChild(el('td', p.pid || '–'));
        tr.appendChild(el('td', p.url || '–'));
        tr.appendChild(el('td', p.outgoing ? 'dialled' : 'accepted'));
        body.appendChild(tr);
      });
      if (d.peers.length === 0) {
        var tr = el('tr'); var td = el('td', 'no peers connected', 'null'); td.colSpan = 4; tr.appendChild(td); body.appendChild(tr);
      }
    }).catch(function () {});
  }

  // ---- souls: lexical pages from storage ----
  // Pages are bounded in count and bytes; 'next' is the cursor of the following page.
  function loadSouls(after) {
    var q = '?limit=100' + (state.prefix ? '&prefix=' + enc(state.prefix) : '') + (after ? '&cursor=' + enc(after) : '');
    getJson(api + '/souls' + q).then(function (res) {
      var list = $('soul-list');
      if (!after) list.textContent = '';
      var souls = res.body.data || [];
      souls.forEach(function (soul) {
        var li = el('li');
        var a = el('a', soul);
        a.href = '#/soul/' + enc(soul);
        a.title = soul;
        if (soul === state.soul) a.className = 'current';
        li.appendChild(a);
        list.appendChild(li);
      });
      state.lastSoul = res.body.next || null;
      $('more').hidden = !res.body.next;
    }).catch(function () {});
  }

  // ---- one node, watched live over Server-Sent Events ----
  function renderNode(node) {
    var body = $('node-body');
    body.textContent = '';
    $('empty').hidden = true;
    if (node === null || typeof node !== 'object') {
      var tr0 = el('tr'); var td0 = el('td', node === undefined ? 'nothing here' : JSON.stringify(node), 'null'); td0.colSpan = 3; tr0.appendChild(td0); body.appendChild(tr0);
      return;
    }
    var meta = node._ || {};
    var states = meta['>'] || {};
    var keys = Object.keys(node).filter(function (k) { return k !== '_'; }).sort();
    keys.forEach(function (key) {
      var value = node[key];
      var tr = el('tr');
      tr.setAttribute('data-key', key);
      tr.appendChild(el('td', key));
      var td = el('td');
      if (value !== null && typeof value === 'object' && typeof value['#'] === 'string') {
        var a = el('a', '→ ' + value['#'], 'link');
        a.href = '#/soul/' + enc(value['#']);
        td.appendChild(a);
      } else if (value === null) {
        td.appendChild(el('span', 'null (deleted)', 'null'));
      } else {
        td.textContent = JSON.stringify(value);
      }
      tr.appendChild(td);
      var st = states[key];
      tr.appendChild(el('td', typeof st === 'number' ? new Date(st).toISOString() : '', 'state'));
      if (state.states[key] !== undefined && state.states[key] !== st) tr.className = 'flash';
      state.states[key] = st;
      body.appendChild(tr);
    });
  }

  function open(soul) {
    if (state.source) { state.source.close(); state.source = null; }
    state.soul = soul;
    state.states = {};
    $('node-title').textContent = soul;
    $('soul-input').value = soul;
    $('node-body').textContent = '';
    var live = $('live');
    live.textContent = 'connecting…'; live.className = 'live off';
    Array.prototype.forEach.call(document.querySelectorAll('#soul-list a'), function (a) {
      a.className = a.title === soul ? 'current' : '';
    });
    getJson(api + '/data/' + enc(soul) + '?meta=1').then(function (res) {
      if (state.soul !== soul) return;
      renderNode(res.status === 200 ? res.body.data : undefined);
    }).catch(function () {});
    var source = new EventSource(withToken(api + '/subscribe/' + enc(soul) + '?meta=1'));
    state.source = source;
    source.onopen = function () { live.textContent = 'live'; live.className = 'live on'; };
    source.onerror = function () { live.textContent = 'reconnecting…'; live.className = 'live off'; };
    source.onmessage = function (e) {
      if (state.soul !== soul) return;
      try { renderNode(JSON.parse(e.data).data); } catch (err) { /* a malformed event is skipped */ }
    };
  }

  function route() {
    var m = /^#\/soul\/(.+)$/.exec(location.hash);
    if (m) { try { open(decodeURIComponent(m[1])); } catch (err) { /* bad hash */ } }
  }

  $('filter').addEventListener('submit', function (e) { e.preventDefault(); });
  $('prefix').addEventListener('input', function () { state.prefix = $('prefix').value; loadSouls(null); });
  $('more').addEventListener('click', function () { loadSouls(state.lastSoul); });
  $('open').addEventListener('submit', function (e) {
    e.preventDefault();
    var soul = $('soul-input').value.trim();
    if (soul) location.hash = '#/soul/' + enc(soul);
  });
  window.addEventListener('hashchange', route);
  refreshStatus();
  loadSouls(null);
  route();
  setInterval(refreshStatus, 2000);
  setInterval(function () { if (!state.prefix) loadSouls(null); }, 5000);
})();
`
