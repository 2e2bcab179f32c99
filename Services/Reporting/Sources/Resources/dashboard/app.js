// The reporting dashboard: provinces → former districts (before 1 July 2025) → communes, and each area's review years.
// Plain ES2020, no framework, no build step. Every text from the API is inserted with textContent or as an
// attribute value, never as markup. Data: GET /v1/reports, GET /v1/reports/{areaCode}, and for an area with published
// figures (`baselines`) their sources, GET /v1/area-figures/{areaCode}; live: GET /v1/report-events.
'use strict';

(() => {
  const DICT = window.GIAMNGHEO_I18N || {};
  const LANG_KEY = 'giamngheo.dashboard.lang';
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const INFLOWS = ['firstRecorded', 'newly', 're', 'fromOtherClass', 'movedIn', 'otherIn'];
  const OUTFLOWS = ['escaped', 'toOtherClass', 'movedOut', 'otherOut'];
  const GROUPS = ['households', 'people', 'ethnicMinorityHouseholds', 'urbanHouseholds', 'ruralHouseholds'];
  const STEPS = ['offered', 'enrolled', 'completed', 'placed', 'departed'];
  const WIDE_CHART = 480; // px: narrower charts lay their bars out in rows

  // ------------------------------------------------------------------ language and formatting

  function storedLang() {
    try {
      return window.localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'vi';
    } catch (_) {
      return 'vi';
    }
  }

  let lang = storedLang();

  function setLang(next) {
    lang = next === 'en' ? 'en' : 'vi';
    try {
      window.localStorage.setItem(LANG_KEY, lang);
    } catch (_) {
      // storage refused (private mode): the choice holds for this page only
    }
    render();
  }

  /** The label for `key` in the current language, `{name}` replaced by params (as plain text). */
  function t(key, params) {
    const entry = DICT[key];
    let text = entry ? (entry[lang] !== undefined ? entry[lang] : entry.vi) : key;
    if (params) {
      text = text.replace(/\{(\w+)\}/g, (m, name) => (params[name] !== undefined ? String(params[name]) : m));
    }
    return text;
  }

  function has(key) {
    return Object.prototype.hasOwnProperty.call(DICT, key);
  }

  const formatters = new Map();
  function numberFormat(min, max) {
    const key = `${lang}/${min}/${max}`;
    if (!formatters.has(key)) {
      formatters.set(key, new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
        minimumFractionDigits: min, maximumFractionDigits: max,
      }));
    }
    return formatters.get(key);
  }
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const fmtInt = (n) => numberFormat(0, 0).format(n);
  const fmtDec = (n) => numberFormat(2, 2).format(n);
  const fmtPct = (n) => `${fmtDec(n)}%`;
  const fmtSigned = (n, f) => (n > 0 ? `+${f(n)}` : n < 0 ? `−${f(-n)}` : f(0));
  const fmtVnd = (n) => `${fmtInt(n)} ${t('unitVnd')}`;

  function fmtDateTime(iso) {
    const d = new Date(iso);
    if (!iso || Number.isNaN(d.getTime())) return iso || '';
    try {
      return new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
        dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Ho_Chi_Minh',
      }).format(d);
    } catch (_) {
      return d.toISOString();
    }
  }

  function fmtTime(d) {
    return new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeStyle: 'medium' }).format(d);
  }

  // ------------------------------------------------------------------ DOM helpers (no markup strings)

  function append(el, kids) {
    for (const kid of kids.flat(Infinity)) {
      if (kid === null || kid === undefined || kid === false) continue;
      el.append(kid instanceof Node ? kid : String(kid));
    }
    return el;
  }

  function setAttrs(el, attrs) {
    if (!attrs) return el;
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.setAttribute('class', v);
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    return el;
  }

  /** An HTML element: h('td', {class: 'num'}, 'text', child, ...). */
  function h(tag, attrs, ...kids) {
    return append(setAttrs(document.createElement(tag), attrs), kids);
  }

  /** An SVG element. */
  function s(tag, attrs, ...kids) {
    return append(setAttrs(document.createElementNS(SVG_NS, tag), attrs), kids);
  }

  /** An element showing a key figure: data-figure names it, data-value holds the raw number ('' when missing). */
  function figure(name, value, text, missingReason, tag = 'span') {
    const known = isNum(value);
    return h(tag, {
      class: known ? 'fig' : 'fig fig-missing',
      'data-figure': name,
      'data-value': known ? String(value) : '',
      'data-missing': known ? null : missingReason || 'absent',
    }, text);
  }

  let measureCtx = null;
  let fontFamily = '';
  function textWidth(text, size) {
    if (!measureCtx) measureCtx = document.createElement('canvas').getContext('2d');
    if (!measureCtx) return text.length * size * 0.6;
    if (!fontFamily) fontFamily = getComputedStyle(document.body).fontFamily;
    measureCtx.font = `${size}px ${fontFamily}`;
    return measureCtx.measureText(text).width;
  }

  /** Words of `text` in lines no wider than `width` (at `size` px), at most `maxLines` (the last one cut with "…"). */
  function wrap(text, width, size, maxLines) {
    const words = String(text).split(/\s+/).filter(Boolean);
    const lines = [];
    let line = '';
    for (const word of words) {
      const next = line ? `${line} ${word}` : word;
      if (!line || textWidth(next, size) <= width) {
        line = next;
      } else {
        lines.push(line);
        line = word;
      }
    }
    if (line) lines.push(line);
    if (lines.length > maxLines) {
      const kept = lines.slice(0, maxLines);
      let last = `${kept[maxLines - 1]} ${lines.slice(maxLines).join(' ')}`;
      while (last.length > 1 && textWidth(`${last}…`, size) > width) last = last.slice(0, -1);
      kept[maxLines - 1] = `${last.trimEnd()}…`;
      return kept;
    }
    return lines;
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    const exp = 10 ** Math.floor(Math.log10(v));
    for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
      if (m * exp >= v) return m * exp;
    }
    return 10 * exp;
  }

  /** An axis from 0 to at least `v` in 3 to 5 round steps (whole steps when `whole`). */
  function niceStep(target) {
    const exp = 10 ** Math.floor(Math.log10(target));
    return [1, 2, 2.5, 5, 10].map((m) => m * exp).find((m) => m >= target) || 10 * exp;
  }

  function axis(v, whole) {
    let step = niceStep(Math.max(v, whole ? 1 : 1e-9) / 4);
    if (whole) step = Math.max(1, Math.ceil(step));
    const count = Math.max(1, Math.ceil(Math.max(v, 1e-9) / step));
    return { max: step * count, ticks: Array.from({ length: count + 1 }, (_, i) => i * step) };
  }

  // ------------------------------------------------------------------ areas

  const state = {
    route: { view: 'provinces' },
    list: null, // every AreaReport from GET /v1/reports
    index: null,
    listError: null,
    listStale: false,
    area: null, // the AreaReport shown, from GET /v1/reports/{code}
    areaError: null,
    shown: new Set(), // area codes on the screen: a live event for one of them refreshes it
    lastUpdate: null,
    live: 'connecting',
    filter: '',
    // the sources of the published figures (`baselines`) of the area shown, from GET /v1/area-figures/{code}:
    // status 'loading' | 'ok' | 'failed'; fetched again when the area's report changes version
    sources: { code: null, version: null, status: 'none', list: [] },
  };

  function indexReports(list) {
    const byCode = new Map();
    const provinceCodes = new Set();
    const districtsByProvince = new Map();
    const communesByProvince = new Map();
    const districtsOfCommune = new Map();
    const push = (map, key, value) => {
      if (!map.has(key)) map.set(key, []);
      map.get(key).push(value);
    };
    for (const r of list) {
      if (!r || typeof r.areaCode !== 'string') continue;
      byCode.set(r.areaCode, r);
      if (typeof r.provinceCode === 'string') provinceCodes.add(r.provinceCode);
      if (r.areaLevel === 'formerDistrict') {
        push(districtsByProvince, r.provinceCode, r);
        for (const c of r.communes || []) push(districtsOfCommune, c, r);
      } else if (r.areaLevel === 'commune') {
        push(communesByProvince, r.provinceCode, r);
      }
    }
    const byCodeOrder = (a, b) => (a.areaCode < b.areaCode ? -1 : a.areaCode > b.areaCode ? 1 : 0);
    for (const rows of districtsByProvince.values()) rows.sort(byCodeOrder);
    for (const rows of communesByProvince.values()) rows.sort(byCodeOrder);
    return {
      byCode,
      provinces: [...provinceCodes].sort(),
      districtsByProvince,
      communesByProvince,
      districtsOfCommune,
    };
  }

  function areaName(r, code) {
    if (r && r.areaName) return r.areaName;
    if (r && r.areaLevel === 'province') return t('provinceFallback', { code: r.areaCode });
    return t('areaFallback', { code: r ? r.areaCode : code });
  }

  function provinceName(code) {
    const r = state.index && state.index.byCode.get(code);
    return r && r.areaLevel === 'province' && r.areaName ? r.areaName : t('provinceFallback', { code });
  }

  /** "05467@2025-06-30": a former commune split between several of today's communes, until that day. */
  function splitUntil(code) {
    const m = /^\d{5}@(\d{4})-(\d{2})-(\d{2})$/.exec(code || '');
    return m ? (lang === 'vi' ? `${m[3]}/${m[2]}/${m[1]}` : `${m[1]}-${m[2]}-${m[3]}`) : null;
  }

  function sortedYears(r) {
    return (Array.isArray(r && r.reviewYears) ? r.reviewYears : [])
      .filter((y) => y && isNum(y.year))
      .slice()
      .sort((a, b) => a.year - b.year);
  }

  /** The area's published figures (`baselines`, YearBaseline), one per year, in year order. */
  function baselinesOf(r) {
    const byYear = new Map();
    for (const b of Array.isArray(r && r.baselines) ? r.baselines : []) {
      if (b && Number.isInteger(b.year)) byYear.set(b.year, b);
    }
    return [...byYear.values()].sort((a, b) => a.year - b.year);
  }

  const pubNum = (b, k) => (b && isNum(b[k]) ? b[k] : null);

  /**
   * The years of the series, from the first with figures to the last (a year with none is an empty band, so that the
   * axis keeps time): each with the system's review year (`sys`) and the published figures (`pub`), either null.
   * The two are never added together.
   */
  function seriesEntries(years, baselines) {
    const sys = new Map(years.map((y) => [y.year, y]));
    const pub = new Map(baselines.map((b) => [b.year, b]));
    const all = [...new Set([...sys.keys(), ...pub.keys()])].sort((a, b) => a - b);
    if (!all.length) return [];
    const first = all[0];
    const last = all[all.length - 1];
    const list = last - first <= 15 ? Array.from({ length: last - first + 1 }, (_, i) => first + i) : all;
    return list.map((year) => ({ year, sys: sys.get(year) || null, pub: pub.get(year) || null }));
  }

  function latestYear(r) {
    const years = sortedYears(r);
    return years.length ? years[years.length - 1] : null;
  }

  function flowsOf(y, group, cls) {
    const f = y && y[group] && y[group][cls];
    return f || null;
  }

  function addsUp(f) {
    if (!f) return true;
    const n = (k) => (isNum(f[k]) ? f[k] : 0);
    const inflow = INFLOWS.reduce((sum, k) => sum + n(k), 0);
    const outflow = OUTFLOWS.reduce((sum, k) => sum + n(k), 0);
    return n('start') + inflow - outflow === n('end');
  }

  // ------------------------------------------------------------------ routing

  const enc = encodeURIComponent;
  const hrefHome = () => '#/';
  const hrefProvince = (code) => `#/province/${enc(code)}`;
  const hrefArea = (code, year) => `#/area/${enc(code)}${year ? `?year=${enc(year)}` : ''}`;
  const apiArea = (code) => `/v1/reports/${enc(code).replace(/%40/g, '@')}`;
  const apiFigures = (code) => `/v1/area-figures/${enc(code).replace(/%40/g, '@')}`;

  function parseRoute() {
    const raw = (window.location.hash || '').replace(/^#/, '') || '/';
    const q = raw.indexOf('?');
    const path = q >= 0 ? raw.slice(0, q) : raw;
    const params = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
    const parts = path.split('/').filter(Boolean).map((p) => {
      try {
        return decodeURIComponent(p);
      } catch (_) {
        return p;
      }
    });
    if (parts[0] === 'province' && parts[1]) return { view: 'province', code: parts[1] };
    if (parts[0] === 'area' && parts[1]) {
      const year = Number.parseInt(params.get('year') || '', 10);
      return { view: 'area', code: parts[1], year: Number.isFinite(year) ? year : null };
    }
    return { view: 'provinces' };
  }

  // ------------------------------------------------------------------ data

  // The reader's bearer token: given once (pasted, or as #token=… in the address, which is removed at once) and kept
  // in this tab's sessionStorage only. Every request for data carries it; a 401 asks for a new one.
  const TOKEN_KEY = 'giamngheo.token';

  function token() {
    try {
      return window.sessionStorage.getItem(TOKEN_KEY) || '';
    } catch (_) {
      return '';
    }
  }

  function setToken(value) {
    try {
      if (value) window.sessionStorage.setItem(TOKEN_KEY, value);
      else window.sessionStorage.removeItem(TOKEN_KEY);
    } catch (_) { /* storage refused: the token lasts until the page is left */ }
  }

  function takeTokenFromAddress() {
    const m = /^#token=([A-Za-z0-9._~+/=-]+)$/.exec(window.location.hash || '');
    if (!m) return;
    setToken(m[1]);
    window.history.replaceState(null, '', window.location.pathname + '#/');
  }

  class SignInNeeded extends Error {}

  async function getJSON(url) {
    const res = await fetch(url, {
      headers: { Accept: 'application/json', Authorization: `Bearer ${token()}` }, cache: 'no-store',
    });
    if (res.status === 401) {
      let reason = `HTTP ${res.status}`;
      try {
        const body = await res.json();
        reason = (body.errors && body.errors[0] && body.errors[0].reason) || body.error || reason;
      } catch (_) { /* keep the status */ }
      setToken('');
      showSignIn(reason);
      throw new SignInNeeded(reason);
    }
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return res.json();
  }

  function showSignIn(reason) {
    renderChrome();
    renderCrumbs([]);
    charts.length = 0;
    const input = h('textarea', { id: 'token-input', rows: '4', autocomplete: 'off', spellcheck: 'false' });
    const form = h('form', { class: 'card signin', 'data-state': 'signin' },
      h('h2', null, t('signInTitle')),
      h('p', { class: 'muted small' }, t('signInHelp')),
      reason ? h('p', { class: 'notice-error small', role: 'alert' }, t('signInRefused', { reason })) : null,
      h('label', { for: 'token-input' }, t('signInLabel')),
      input,
      h('button', { type: 'submit', class: 'btn' }, t('signInButton')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const value = input.value.trim().replace(/^Bearer\s+/i, '');
      if (!value) return;
      setToken(value);
      state.list = null;
      navigate();
      connectLive();
    });
    setView('signin', null, t('signInTitle')).replaceChildren(form);
  }

  async function loadList() {
    const data = await getJSON('/v1/reports');
    if (!Array.isArray(data)) throw new Error('/v1/reports: not a list');
    state.list = data;
    state.index = indexReports(data);
    state.listError = null;
    state.listStale = false;
  }

  async function loadArea(code) {
    const report = await getJSON(apiArea(code));
    if (!report || report.areaCode !== code) throw new Error(`${apiArea(code)}: another area`);
    return report;
  }

  /**
   * Fetches the sources of the area's published figures once per report version, and only for an area that has
   * published figures (so an area without any, or a service without the endpoint, makes no request). A failure is
   * quiet: the sources are then left out. The list shown is updated in place when it arrives.
   */
  function wantSources(r) {
    if (!baselinesOf(r).length) return;
    const held = state.sources;
    if (held.code === r.areaCode && held.version === r.version) return;
    const same = held.code === r.areaCode && held.status === 'ok';
    const ticket = { code: r.areaCode, version: r.version, status: same ? 'ok' : 'loading', list: same ? held.list : [] };
    state.sources = ticket;
    getJSON(apiFigures(r.areaCode)).then((data) => {
      if (state.sources !== ticket) return;
      state.sources = { ...ticket, status: 'ok', list: Array.isArray(data) ? data : [] };
    }, () => {
      if (state.sources !== ticket) return;
      state.sources = same ? { ...ticket, status: 'ok' } : { ...ticket, status: 'failed', list: [] };
    }).then(() => {
      if (state.sources.code !== r.areaCode) return;
      const el = document.querySelector('#app [data-sources]');
      if (el && state.area && state.area.areaCode === r.areaCode) el.replaceWith(sourcesBlock(state.area));
    });
  }

  let navToken = 0;
  async function navigate() {
    const turn = ++navToken;
    const route = parseRoute();
    const before = state.route;
    const samePlace = before && before.view === route.view && before.code === route.code;
    state.route = route;
    const needList = !state.list || (state.listStale && route.view !== 'area');
    const needArea = route.view === 'area' && (!state.area || state.area.areaCode !== route.code);
    if (needList || needArea) renderLoading();
    if (needList) {
      try {
        await loadList();
      } catch (err) {
        if (err instanceof SignInNeeded) return;
        state.listError = err;
      }
      if (turn !== navToken) return;
    }
    if (route.view === 'area' && state.index && state.index.byCode.has(route.code)
        && (!state.area || state.area.areaCode !== route.code)) {
      state.area = null;
      state.areaError = null;
      try {
        state.area = await loadArea(route.code);
        state.areaError = null;
      } catch (err) {
        if (err instanceof SignInNeeded) return;
        state.areaError = err;
      }
      if (turn !== navToken) return;
    }
    render({ keepScroll: samePlace });
    if (!samePlace) window.scrollTo(0, 0);
  }

  // ------------------------------------------------------------------ live updates (server-sent events)

  // Refreshes are throttled, not debounced: a steady stream of events still refreshes every few seconds.
  const REFRESH_GAP_MS = 2000;
  let refreshTimer = null;
  let refreshing = false;
  let lastRefresh = 0;
  const pending = { list: false, area: false };

  function scheduleRefresh(list, area) {
    pending.list = pending.list || list;
    pending.area = pending.area || area;
    if (refreshTimer || refreshing) return;
    const wait = Math.max(250, lastRefresh + REFRESH_GAP_MS - Date.now());
    refreshTimer = setTimeout(refresh, wait);
  }

  async function refresh() {
    refreshTimer = null;
    const { list, area } = pending;
    pending.list = false;
    pending.area = false;
    const token = navToken;
    refreshing = true;
    let changed = false;
    try {
      if (list) {
        await loadList();
        changed = true;
      }
      if (area && state.route.view === 'area' && state.area) {
        const fresh = await loadArea(state.area.areaCode);
        if (token === navToken && state.area && fresh.areaCode === state.area.areaCode) {
          state.area = fresh;
          changed = true;
        }
      }
    } catch (_) {
      // keep what is shown; the next event tries again
    } finally {
      refreshing = false;
      lastRefresh = Date.now();
    }
    if (changed && token === navToken) {
      state.lastUpdate = new Date();
      render({ keepScroll: true });
    }
    if (pending.list || pending.area) scheduleRefresh(false, false);
  }

  function onReportEvent(ev) {
    let data;
    try {
      data = JSON.parse(ev.data);
    } catch (_) {
      return;
    }
    if (!data || typeof data.areaCode !== 'string') return;
    const code = data.areaCode;
    const version = isNum(data.version) ? data.version : null;
    const known = state.index && state.index.byCode.get(code);
    const listNewer = !known || version === null || version > known.version;
    if (state.route.view === 'area' && state.area && state.area.areaCode === code) {
      // The area shown: fetch it alone; the list catches up when a list is next shown.
      if (version === null || version > state.area.version) scheduleRefresh(false, true);
      if (listNewer) state.listStale = true;
      return;
    }
    if (!listNewer) return;
    // An area in the list on the screen, a new area, or the first data at all: fetch the list again.
    if (state.shown.has(code) || !known || (state.list && state.list.length === 0)) scheduleRefresh(true, false);
    else state.listStale = true;
  }

  // Server-sent events read with fetch, since EventSource cannot send the Authorization header.
  let liveStream = null;

  async function connectLive() {
    if (liveStream || !token() || !window.ReadableStream || !window.TextDecoder) {
      if (!liveStream) setLive('closed');
      return;
    }
    liveStream = new AbortController();
    let retryIn = 3000;
    try {
      const res = await fetch('/v1/report-events', {
        headers: { Accept: 'text/event-stream', Authorization: `Bearer ${token()}` }, cache: 'no-store', signal: liveStream.signal,
      });
      if (res.status === 401) retryIn = 0;
      else if (!res.ok || !res.body) retryIn = 15000;
      else {
        setLive('open');
        await readEvents(res.body.getReader());
      }
    } catch (_) { /* network gone: retry below */ }
    liveStream = null;
    setLive('closed');
    if (retryIn) setTimeout(connectLive, retryIn);
  }

  async function readEvents(reader) {
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data = [];
        for (const line of frame.split('\n')) {
          if (!line || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = text;
          else if (field === 'data') data.push(text);
        }
        if (data.length && (event === 'report' || event === 'message')) onReportEvent({ data: data.join('\n') });
      }
    }
  }

  function setLive(live) {
    state.live = live;
    renderLive();
  }

  function renderLive() {
    const el = document.getElementById('live');
    if (!el) return;
    el.setAttribute('data-live', state.live);
    el.setAttribute('title', t('liveTitle'));
    const label = { open: 'liveOpen', closed: 'liveClosed' }[state.live] || 'liveConnecting';
    const text = el.querySelector('.live-text');
    if (text) {
      text.textContent = state.lastUpdate && state.live === 'open'
        ? `${t(label)} · ${t('updatedAt', { time: fmtTime(state.lastUpdate) })}`
        : t(label);
    }
  }

  // ------------------------------------------------------------------ page chrome

  function renderChrome() {
    document.documentElement.setAttribute('lang', lang);
    for (const el of document.querySelectorAll('[data-i18n]')) {
      el.textContent = t(el.getAttribute('data-i18n'));
    }
    const button = document.getElementById('lang-button');
    if (button) {
      button.textContent = t('switchLang');
      button.setAttribute('lang', lang === 'vi' ? 'en' : 'vi');
      button.setAttribute('title', t('switchLangTitle'));
    }
    const crumbs = document.getElementById('crumbs');
    if (crumbs) crumbs.setAttribute('aria-label', t('breadcrumb'));
    renderLive();
  }

  function renderCrumbs(items) {
    const nav = document.getElementById('crumbs');
    if (!nav) return;
    const list = h('ol');
    items.forEach((item, i) => {
      const last = i === items.length - 1;
      list.append(h('li', null, last || !item.href
        ? h('span', { 'aria-current': last ? 'page' : null }, item.label)
        : h('a', { href: item.href }, item.label)));
    });
    nav.replaceChildren(list);
  }

  function setView(view, attrs, title) {
    const main = document.getElementById('app');
    main.setAttribute('data-view', view);
    for (const k of ['data-code', 'data-year']) main.removeAttribute(k);
    setAttrs(main, attrs);
    main.setAttribute('aria-busy', view === 'loading' ? 'true' : 'false');
    document.title = title ? `${title} — ${t('appTitle')}` : t('appTitle');
    return main;
  }

  function renderLoading() {
    renderChrome();
    charts.length = 0;
    setView('loading').replaceChildren(h('p', { class: 'status-line' }, t('loading')));
  }

  // ------------------------------------------------------------------ charts (drawn once the view is in the page)

  const charts = [];
  let lastWidths = [];

  function chart(className, draw, label) {
    const el = h('div', { class: `chart ${className}`, role: 'img', 'aria-label': label });
    charts.push({ el, draw });
    return el;
  }

  function drawCharts(force) {
    charts.forEach((c, i) => {
      const width = Math.max(260, Math.floor(c.el.clientWidth || 0));
      if (!force && lastWidths[i] === width) return;
      lastWidths[i] = width;
      c.el.replaceChildren(c.draw(width));
    });
  }

  function svgRoot(width, height, extraClass) {
    return s('svg', {
      class: `svg-chart ${extraClass || ''}`.trim(),
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      'aria-hidden': 'true',
      focusable: 'false',
    });
  }

  /** Vertical waterfall: totals from 0, each inflow up and each outflow down from the running level. */
  function waterfallColumns(steps, width) {
    const top = 22;
    const plotH = 210;
    const left = 46;
    const right = 8;
    const band = (width - left - right) / steps.length;
    const barW = Math.min(56, band * 0.64);
    const labels = steps.map((st) => wrap(st.label, band - 6, 11, 3));
    const labelLines = Math.max(1, ...labels.map((l) => l.length));
    const height = top + plotH + 10 + labelLines * 13 + 6;
    const ax = axis(Math.max(1, ...steps.map((st) => Math.max(st.from, st.to))), true);
    const max = ax.max;
    const y = (v) => top + plotH * (1 - v / max);
    const svg = svgRoot(width, height, 'waterfall');
    for (const v of ax.ticks) {
      svg.append(s('line', { class: 'grid', x1: left, x2: width - right, y1: y(v), y2: y(v) }));
      svg.append(s('text', { class: 'tick', x: left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11 },
        fmtInt(Math.round(v))));
    }
    steps.forEach((st, i) => {
      const x = left + band * i + (band - barW) / 2;
      const lo = Math.min(st.from, st.to);
      const hi = Math.max(st.from, st.to);
      const barH = Math.max(y(lo) - y(hi), st.value ? 1.5 : 0);
      const g = s('g', { class: `step step-${st.kind}` },
        s('title', null, `${st.label}: ${st.sign}${fmtInt(st.value)}`),
        s('rect', { x, y: y(lo) - barH, width: barW, height: barH, rx: 2 }),
        s('text', { class: 'value', x: x + barW / 2, y: y(hi) - 6, 'text-anchor': 'middle', 'font-size': 11 },
          `${st.sign}${fmtInt(st.value)}`));
      labels[i].forEach((line, j) => {
        g.append(s('text', {
          class: 'label', x: left + band * i + band / 2, y: top + plotH + 18 + j * 13, 'text-anchor': 'middle', 'font-size': 11,
        }, line));
      });
      svg.append(g);
      const next = steps[i + 1];
      if (next && next.kind !== 'total') {
        svg.append(s('line', { class: 'connector', x1: x + barW, x2: x + band, y1: y(st.to), y2: y(st.to) }));
      }
    });
    svg.append(s('line', { class: 'axis', x1: left, x2: width - right, y1: y(0), y2: y(0) }));
    return svg;
  }

  /** Horizontal bars, one row each: {label, from, to, kind, text}; a waterfall when rows float (`connect`). */
  function barRows(rows, width, opts = {}) {
    const size = 12;
    const labelW = Math.min(Math.max(110, width * 0.4), 230);
    const valueW = Math.ceil(Math.max(24, ...rows.map((r) => textWidth(r.text, size) * 1.1))) + 14;
    const x0 = labelW + 10;
    const plotW = Math.max(40, width - x0 - valueW);
    const labels = rows.map((r) => wrap(r.label, labelW, size, 2));
    const rowH = (lines) => (lines > 1 ? 36 : 26);
    const height = labels.reduce((sum, l) => sum + rowH(l.length), 0) + 8;
    const max = niceMax(Math.max(1, ...rows.map((r) => Math.max(r.from, r.to))));
    const x = (v) => x0 + plotW * (v / max);
    const svg = svgRoot(width, height, opts.className || 'bars');
    let yTop = 4;
    let prev = null;
    rows.forEach((r, i) => {
      const hRow = rowH(labels[i].length);
      const mid = yTop + hRow / 2;
      const barH = Math.min(16, hRow - 8);
      const lo = Math.min(r.from, r.to);
      const hi = Math.max(r.from, r.to);
      const g = s('g', { class: `step step-${r.kind}` }, s('title', null, `${r.label}: ${r.text}`));
      labels[i].forEach((line, j) => {
        g.append(s('text', {
          class: 'label', x: labelW, y: mid + 4 + (j - (labels[i].length - 1) / 2) * 14, 'text-anchor': 'end', 'font-size': size,
        }, line));
      });
      if (hi > lo) g.append(s('rect', { x: x(lo), y: mid - barH / 2, width: Math.max(1.5, x(hi) - x(lo)), height: barH, rx: 2 }));
      g.append(s('text', { class: 'value', x: x(hi) + 6, y: mid + 4, 'font-size': size }, r.text));
      if (opts.connect && prev && r.kind !== 'total') {
        svg.append(s('line', { class: 'connector', x1: x(prev.to), x2: x(prev.to), y1: prev.mid + 8, y2: mid - 8 }));
      }
      svg.append(g);
      prev = { to: r.to, mid };
      yTop += hRow;
    });
    svg.append(s('line', { class: 'axis', x1: x0, x2: x0, y1: 2, y2: height - 2 }));
    return svg;
  }

  function waterfallSteps(f, cls) {
    const label = (k) => (has(`flow_${k}_${cls}`) ? t(`flow_${k}_${cls}`) : t(`flow_${k}`));
    const n = (k) => (isNum(f[k]) ? f[k] : 0);
    const steps = [{ key: 'start', kind: 'total', label: t('flow_start'), from: 0, to: n('start'), value: n('start'), sign: '' }];
    let level = n('start');
    for (const k of INFLOWS) {
      if (!n(k)) continue;
      steps.push({ key: k, kind: 'in', label: label(k), from: level, to: level + n(k), value: n(k), sign: '+' });
      level += n(k);
    }
    for (const k of OUTFLOWS) {
      if (!n(k)) continue;
      steps.push({ key: k, kind: 'out', label: label(k), from: level, to: level - n(k), value: n(k), sign: '−' });
      level -= n(k);
    }
    steps.push({ key: 'end', kind: 'total', label: t('flow_end'), from: 0, to: n('end'), value: n('end'), sign: '' });
    return steps;
  }

  function drawWaterfall(f, cls) {
    return (width) => {
      const steps = waterfallSteps(f, cls);
      if (width >= WIDE_CHART) return waterfallColumns(steps, width);
      return barRows(steps.map((st) => ({ ...st, text: `${st.sign}${fmtInt(st.value)}` })), width,
        { connect: true, className: 'waterfall' });
    };
  }

  /**
   * End-of-year poor and near-poor households per year (bars) and the poverty rate where known (line): the system's
   * figures solid, the published ones (baselines) hatched with a dashed rate line; a year with both has both side by
   * side, published on the left.
   */
  function drawSeries(entries) {
    return (width) => {
      const end = (y, cls) => {
        const f = flowsOf(y, 'households', cls);
        return f && isNum(f.end) ? f.end : 0;
      };
      const rows = entries.map((e) => ({
        year: e.year,
        sys: e.sys ? {
          poor: end(e.sys, 'poor'),
          near: end(e.sys, 'nearPoor'),
          rate: e.sys.rates && isNum(e.sys.rates.poorEnd) ? e.sys.rates.poorEnd : null,
        } : null,
        pub: e.pub ? {
          poor: pubNum(e.pub, 'poorHouseholdsEnd'),
          near: pubNum(e.pub, 'nearPoorHouseholdsEnd'),
          rate: pubNum(e.pub, 'poorRateEndPercent'),
        } : null,
      }));
      for (const r of rows) {
        if (r.pub && r.pub.poor === null && r.pub.near === null && r.pub.rate === null) r.pub = null; // only start figures
      }
      const groups = rows.flatMap((r) => [r.sys, r.pub].filter(Boolean));
      const rates = groups.map((g) => g.rate).filter((v) => v !== null);
      const anyRate = rates.length > 0;
      const both = rows.some((r) => r.sys && r.pub);
      const top = 22;
      const plotH = 170;
      const left = 46;
      const right = anyRate ? 46 : 10;
      const height = top + plotH + 26;
      const ax = axis(Math.max(1, ...groups.flatMap((g) => [g.poor, g.near]).filter(isNum)), true);
      const max = ax.max;
      const rateStep = niceStep(Math.max(0.01, ...rates) / (ax.ticks.length - 1));
      const rateMax = rateStep * (ax.ticks.length - 1);
      const band = (width - left - right) / Math.max(1, rows.length);
      const pairGap = both ? Math.max(3, Math.min(10, band * 0.06)) : 0;
      const barW = both ? Math.max(3, Math.min(24, (band * 0.86 - pairGap) / 4 - 1)) : Math.min(34, band * 0.3);
      const labelSize = band < 40 ? 11 : 12;
      const labelEvery = band < 30 ? Math.ceil(30 / band) : 1;
      const y = (v) => top + plotH * (1 - v / max);
      const yr = (v) => top + plotH * (1 - v / rateMax);
      const svg = svgRoot(width, height, 'series');
      const hatch = (cls) => s('pattern', {
        id: `gn-hatch-${cls}`, class: `hatch hatch-${cls}`, patternUnits: 'userSpaceOnUse', width: 5, height: 5, patternTransform: 'rotate(45)',
      }, s('rect', { width: 5, height: 5 }), s('line', { x1: 1, y1: 0, x2: 1, y2: 5 }));
      svg.append(s('defs', null, hatch('poor'), hatch('near')));
      for (const v of ax.ticks) {
        svg.append(s('line', { class: 'grid', x1: left, x2: width - right, y1: y(v), y2: y(v) }));
        svg.append(s('text', { class: 'tick', x: left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11 }, fmtInt(Math.round(v))));
        if (anyRate) {
          svg.append(s('text', { class: 'tick tick-rate', x: width - right + 6, y: yr((v / max) * rateMax) + 4, 'font-size': 11 },
            fmtPct((v / max) * rateMax)));
        }
      }
      const points = { sys: [], pub: [] };
      const bar = (cls, gx, value, which, year) => {
        if (value === null) return null;
        const label = `${year} · ${t(which === 'pub' ? 'seriesPublished' : 'seriesSystem')} · ${t(cls === 'poor' ? 'seriesPoor' : 'seriesNearPoor')}: ${fmtInt(value)}`;
        return s('g', { class: `step step-${cls}${which === 'pub' ? ' step-published' : ''}` },
          s('title', null, label),
          s('rect', {
            class: which === 'pub' ? 'bar-published' : null,
            x: cls === 'poor' ? gx - barW - 1 : gx + 1, y: y(value), width: barW, height: Math.max(0, y(0) - y(value)), rx: which === 'pub' ? 1 : 2,
          }));
      };
      rows.forEach((r, i) => {
        const cx = left + band * i + band / 2;
        const shift = r.sys && r.pub ? barW + 1 + pairGap / 2 : 0;
        for (const which of ['pub', 'sys']) {
          const g = r[which];
          if (!g) continue;
          const gx = which === 'pub' ? cx - shift : cx + shift;
          append(svg, [bar('poor', gx, g.poor, which, r.year), bar('near', gx, g.near, which, r.year)]);
          if (g.rate !== null) points[which].push({ x: gx, y: yr(g.rate), rate: g.rate, year: r.year, which });
        }
        if (i % labelEvery === 0) {
          svg.append(s('text', {
            class: r.sys || r.pub ? 'label' : 'label label-empty', x: cx, y: top + plotH + 18, 'text-anchor': 'middle', 'font-size': labelSize,
          }, String(r.year), r.sys || r.pub ? null : s('title', null, `${r.year}: ${t('seriesNoData')}`)));
        }
      });
      // each rate line joins consecutive years of its own source only
      for (const which of ['pub', 'sys']) {
        const list = points[which];
        for (let k = 1; k < list.length; k++) {
          if (list[k].year === list[k - 1].year + 1) {
            svg.append(s('line', {
              class: which === 'pub' ? 'rate-line rate-line-published' : 'rate-line',
              x1: list[k - 1].x, y1: list[k - 1].y, x2: list[k].x, y2: list[k].y,
            }));
          }
        }
      }
      const bySysYear = new Map(points.sys.map((p) => [p.year, p]));
      const byPubYear = new Map(points.pub.map((p) => [p.year, p]));
      for (const p of [...points.pub, ...points.sys]) {
        // a year with both rates: the higher one's label above its point, the lower one's below
        const other = p.which === 'pub' ? bySysYear.get(p.year) : byPubYear.get(p.year);
        const below = other && (p.rate < other.rate || (p.rate === other.rate && p.which === 'pub'));
        const title = `${p.year} · ${t(p.which === 'pub' ? 'seriesPublished' : 'seriesSystem')} · ${t('seriesRate')}: ${fmtPct(p.rate)}`;
        svg.append(s('g', { class: p.which === 'pub' ? 'rate-point rate-point-published' : 'rate-point' },
          s('title', null, title),
          p.which === 'pub'
            ? s('path', { d: `M${p.x} ${p.y - 5}L${p.x + 5} ${p.y}L${p.x} ${p.y + 5}L${p.x - 5} ${p.y}Z` })
            : s('circle', { cx: p.x, cy: p.y, r: 4 }),
          s('text', { x: p.x, y: below ? p.y + 17 : p.y - 8, 'text-anchor': 'middle', 'font-size': 11 }, fmtPct(p.rate))));
      }
      svg.append(s('line', { class: 'axis', x1: left, x2: width - right, y1: y(0), y2: y(0) }));
      return svg;
    };
  }

  /** A bullet: the bar is the result, the dark tick the target, the hollow marker the start. */
  function drawBullet({ value, target, start, fmt, lowerIsBetter }) {
    return (width) => {
      const known = [value, target, start].filter(isNum);
      const lo = Math.min(0, ...known);
      const hi = niceMax(Math.max(...known.map(Math.abs), 0.01) * 1.1);
      const left = 4;
      const right = 4;
      const height = 58;
      const x = (v) => left + (width - left - right) * ((v - lo) / (hi - lo));
      const met = isNum(value) && isNum(target) && (lowerIsBetter ? value <= target : value >= target);
      const svg = svgRoot(width, height, `bullet ${!isNum(target) ? 'is-neutral' : met ? 'is-met' : 'is-not-met'}`);
      svg.append(s('rect', { class: 'track', x: left, y: 14, width: width - left - right, height: 14, rx: 3 }));
      if (isNum(value)) {
        svg.append(s('rect', { class: 'bar', x: Math.min(x(0), x(value)), y: 17, width: Math.abs(x(value) - x(0)), height: 8, rx: 2 }));
      }
      const marks = [];
      if (isNum(start)) marks.push({ v: start, cls: 'mark-start', label: t('bulletStart') });
      if (isNum(target)) marks.push({ v: target, cls: 'mark-target', label: t('bulletTarget') });
      for (const m of marks) {
        svg.append(s('line', { class: m.cls, x1: x(m.v), x2: x(m.v), y1: 9, y2: 33 }));
      }
      // labels under the track, kept apart and inside the chart
      const placed = [];
      const items = [...marks.map((m) => ({ v: m.v, text: `${m.label} ${fmt(m.v)}`, cls: m.cls }))];
      if (isNum(value)) items.push({ v: value, text: `${lowerIsBetter ? t('bulletEnd') : t('bulletAchieved')} ${fmt(value)}`, cls: 'mark-value' });
      items.sort((a, b) => a.v - b.v);
      for (const it of items) {
        const w = textWidth(it.text, 11);
        let cx = Math.min(Math.max(x(it.v), left + w / 2), width - right - w / 2);
        let row = 0;
        while (placed.some((p) => p.row === row && Math.abs(p.cx - cx) < (p.w + w) / 2 + 6)) row++;
        placed.push({ cx, w, row });
        svg.append(s('text', { class: `bullet-label ${it.cls}`, x: cx, y: 45 + row * 13, 'text-anchor': 'middle', 'font-size': 11 }, it.text));
      }
      const rows = Math.max(1, ...placed.map((p) => p.row + 1));
      const h2 = 36 + rows * 13 + 4;
      svg.setAttribute('viewBox', `0 0 ${width} ${h2}`);
      svg.setAttribute('height', h2);
      return svg;
    };
  }

  function legend(items) {
    return h('ul', { class: 'legend' }, items.map(([cls, label]) => h('li', null, h('span', { class: `swatch ${cls}`, 'aria-hidden': 'true' }), label)));
  }

  // ------------------------------------------------------------------ building blocks

  function card(title, attrs, ...body) {
    const a = { ...(attrs || {}) };
    a.class = `card ${a.class || ''}`.trim();
    return h('section', a, title ? h('h3', { class: 'card-title' }, title) : null, ...body);
  }

  function kpi(label, figureEl, unit, extraClass) {
    return h('div', { class: `kpi ${extraClass || ''}`.trim() },
      h('div', { class: 'kpi-label' }, label),
      h('div', { class: 'kpi-value' }, figureEl, unit ? h('span', { class: 'kpi-unit' }, unit) : null));
  }

  function intFigure(name, value) {
    return figure(name, value, isNum(value) ? fmtInt(value) : '—', 'absent');
  }

  function rateFigure(name, value) {
    return figure(name, value, isNum(value) ? fmtPct(value) : t('denominatorMissing'), 'denominator');
  }

  function statusBadge(gap) {
    if (!isNum(gap)) return null;
    return gap <= 0
      ? h('span', { class: 'badge badge-ok', 'data-status': 'met' }, `✓ ${t('met')}`)
      : h('span', { class: 'badge badge-warn', 'data-status': 'not-met' }, t('notMet'));
  }

  function numCell(value, f = fmtInt) {
    return h('td', { class: 'num' }, isNum(value) ? f(value) : '—');
  }

  function tableWrap(table) {
    return h('div', { class: 'table-wrap' }, table);
  }

  /** A column heading in full, and shorter on a phone. */
  function twoWidths(longKey, shortKey) {
    return [h('span', { class: 'label-long' }, t(longKey)), h('span', { class: 'label-short' }, t(shortKey))];
  }

  function areaRows(reports, opts = {}) {
    const head = h('tr', null,
      h('th', { scope: 'col', class: 'code' }, t('colCode')),
      h('th', { scope: 'col' }, t('colName')),
      h('th', { scope: 'col', class: 'num' }, twoWidths('colPoor', 'colPoorShort')),
      h('th', { scope: 'col', class: 'num' }, twoWidths('colNearPoor', 'colNearPoorShort')),
      h('th', { scope: 'col', class: 'num' }, twoWidths('colRate', 'colRateShort')),
      opts.communes ? h('th', { scope: 'col', class: 'num opt' }, t('colCommunes')) : null);
    const body = h('tbody');
    for (const r of reports) {
      state.shown.add(r.areaCode);
      const y = latestYear(r);
      const official = r.official && r.official.households;
      const rate = y && y.rates && isNum(y.rates.poorEnd) ? y.rates.poorEnd : null;
      const until = splitUntil(r.areaCode);
      const nav = opts.nav || 'area';
      const href = nav === 'province' ? hrefProvince(r.areaCode) : hrefArea(r.areaCode);
      const row = h('tr', { 'data-code': r.areaCode, 'data-search': `${r.areaCode} ${areaName(r)}`.toLowerCase() },
        h('td', { class: 'code' }, r.areaCode),
        h('th', { scope: 'row', class: 'name' },
          h('a', { href, 'data-nav': nav, 'data-code': r.areaCode }, areaName(r)),
          until ? h('span', { class: 'muted small' }, ` (${t('splitCommune', { date: until })})`) : null,
          h('span', { class: 'code-inline', 'aria-hidden': 'true' }, r.areaCode)),
        numCell(official ? official.poor : null),
        numCell(official ? official.nearPoor : null),
        h('td', { class: 'num' },
          rate !== null ? fmtPct(rate) : y ? h('span', { class: 'muted small' }, t('denominatorMissing')) : '—',
          y ? h('span', { class: 'muted small year-note' }, ` (${y.year})`) : null),
        opts.communes ? numCell(opts.communes(r), fmtInt) : null);
      if (opts.communes) row.lastChild.classList.add('opt');
      body.append(row);
    }
    return h('table', { class: 'data' }, h('thead', null, head), body);
  }

  function listCard(title, intro, reports, opts = {}) {
    if (!reports.length) {
      return card(title, { 'data-list': opts.list }, h('p', { class: 'muted' }, t('noneInList')));
    }
    const table = areaRows(reports, opts);
    const children = [];
    if (intro) children.push(h('p', { class: 'muted small' }, intro));
    if (opts.filter) {
      const empty = h('p', { class: 'muted', hidden: true }, t('filterNone'));
      const apply = (text) => {
        const needle = text.trim().toLowerCase();
        let shown = 0;
        for (const row of table.tBodies[0].rows) {
          const hit = !needle || row.getAttribute('data-search').includes(needle);
          row.hidden = !hit;
          if (hit) shown++;
        }
        empty.hidden = shown > 0;
      };
      const input = h('input', {
        type: 'search', name: 'filter', class: 'filter no-print', placeholder: t('filter'), 'aria-label': t('filter'), value: state.filter,
        'data-control': 'filter',
        oninput: (ev) => {
          state.filter = ev.target.value;
          apply(state.filter);
        },
      });
      children.push(input);
      children.push(tableWrap(table), empty);
      apply(state.filter);
    } else {
      children.push(tableWrap(table));
    }
    return card(title, { 'data-list': opts.list }, ...children);
  }

  // ------------------------------------------------------------------ views

  function viewError(message) {
    renderCrumbs([{ label: t('home'), href: hrefHome() }]);
    return [h('section', { class: 'card notice notice-error', 'data-state': 'error' },
      h('h2', null, t('loadError')),
      h('p', { class: 'muted small' }, message),
      h('button', { type: 'button', class: 'btn', onclick: () => { state.list = null; navigate(); } }, t('retry')))];
  }

  function viewProvinces() {
    renderCrumbs([{ label: t('home') }]);
    const idx = state.index;
    if (!state.list.length) {
      return [h('section', { class: 'card notice', 'data-state': 'empty' },
        h('h2', null, t('noData')),
        h('p', { class: 'muted' }, t('noDataHint')))];
    }
    const rows = idx.provinces.map((code) => idx.byCode.get(code)
      || { areaCode: code, areaLevel: 'province', provinceCode: code, version: 0 });
    return [
      h('div', { class: 'view-head' }, h('div', null, h('h2', null, t('provincesTitle')), h('p', { class: 'muted' }, t('provincesIntro')))),
      listCard(null, t('listNote'), rows, {
        list: 'provinces', nav: 'province', communes: (r) => (idx.communesByProvince.get(r.areaCode) || []).length,
      }),
    ];
  }

  function viewProvince(code) {
    const idx = state.index;
    const report = idx.byCode.get(code);
    const districts = idx.districtsByProvince.get(code) || [];
    const communes = idx.communesByProvince.get(code) || [];
    const name = provinceName(code);
    renderCrumbs([{ label: t('home'), href: hrefHome() }, { label: name }]);
    if (!report && !districts.length && !communes.length) return viewNotFound(code);
    state.shown.add(code);
    const y = report ? latestYear(report) : null;
    const official = report && report.official && report.official.households;
    const head = h('div', { class: 'view-head' },
      h('div', null,
        h('p', { class: 'eyebrow' }, t('level_province'), ' · ', t('code'), ' ', code),
        h('h2', null, name)),
      report ? h('a', { class: 'btn btn-primary', href: hrefArea(code), 'data-nav': 'area', 'data-code': code }, `${t('provinceFigures')} →`) : null);
    const summary = report ? h('div', { class: 'kpis kpis-compact' },
      kpi(t('officialPoor'), intFigure('official-poor', official ? official.poor : null), t('unitHouseholds')),
      kpi(t('officialNearPoor'), intFigure('official-near-poor', official ? official.nearPoor : null), t('unitHouseholds')),
      y ? kpi(`${t('endRate')} ${y.year}`, rateFigure('end-rate', y.rates ? y.rates.poorEnd : null)) : null) : null;
    return [
      head,
      summary,
      listCard(t('formerDistrictsTitle'), t('formerDistrictsIntro'), districts, {
        list: 'former-districts', communes: (r) => (r.communes || []).length,
      }),
      listCard(t('communesTitle'), t('listNote'), communes, { list: 'communes', filter: communes.length > 8 }),
    ];
  }

  function viewNotFound(code) {
    return [h('section', { class: 'card notice', 'data-state': 'not-found' },
      h('h2', null, t('notFound', { code })),
      h('p', null, h('a', { href: hrefHome() }, t('backHome'))))];
  }

  function areaCrumbs(r) {
    const idx = state.index;
    const items = [{ label: t('home'), href: hrefHome() }];
    if (r.areaLevel === 'province') {
      return [...items, { label: areaName(r), href: hrefProvince(r.areaCode) }, { label: t('provinceFigures') }];
    }
    items.push({ label: provinceName(r.provinceCode), href: hrefProvince(r.provinceCode) });
    if (r.areaLevel === 'commune') {
      const districts = idx.districtsOfCommune.get(r.areaCode) || [];
      if (districts.length === 1) items.push({ label: areaName(districts[0]), href: hrefArea(districts[0].areaCode) });
    }
    items.push({ label: areaName(r) });
    return items;
  }

  function viewArea(route) {
    const r = state.area;
    renderCrumbs(areaCrumbs(r));
    state.shown.add(r.areaCode);
    const years = sortedYears(r);
    let selected = years.length ? years[years.length - 1] : null;
    let yearNote = null;
    if (route.year && years.length) {
      const asked = years.find((y) => y.year === route.year);
      if (asked) selected = asked;
      else yearNote = t('yearMissing', { year: route.year, shown: selected.year });
    }
    const until = splitUntil(r.areaCode);
    const out = [];
    out.push(h('div', { class: 'view-head area-head' },
      h('div', null,
        h('p', { class: 'eyebrow' }, t(`level_${r.areaLevel}`), ' · ', t('code'), ' ', r.areaCode,
          r.areaLevel !== 'province' ? ` · ${provinceName(r.provinceCode)}` : null),
        h('h2', { 'data-area-name': r.areaCode }, areaName(r),
          until ? h('span', { class: 'muted small' }, ` (${t('splitCommune', { date: until })})`) : null),
        h('p', { class: 'meta muted small' },
          `${t('asOf')} ${fmtDateTime(r.asOf)}`, ' · ', `${t('version')} ${r.version}`,
          Array.isArray(r.standardIds) && r.standardIds.length ? ` · ${t('standards')} ${r.standardIds.join(', ')}` : null)),
      years.length ? yearPicker(r, years, selected) : null));
    if (yearNote) out.push(h('p', { class: 'notice-inline' }, yearNote));
    if (selected) {
      out.push(...yearSections(r, years, selected));
    } else {
      out.push(h('section', { class: 'card notice', 'data-state': 'no-review-years' }, h('p', null, t('noReviewYears'))));
      // published figures alone give an area no review year: show them apart
      if (baselinesOf(r).length) out.push(seriesCard([], r));
    }
    wantSources(r);
    out.push(h('div', { class: 'grid-2' }, officialCard(r), registryCard(r)));
    out.push(deprivationCard(r));
    out.push(h('div', { class: 'grid-2' }, creditCard(r), trainingCard(r)));
    if (r.areaLevel === 'formerDistrict') out.push(...districtCommunes(r));
    if (r.areaLevel === 'province') {
      out.push(h('p', { class: 'no-print' }, h('a', { class: 'btn', href: hrefProvince(r.areaCode) }, `${t('formerDistrictsTitle')} · ${t('communesTitle')} →`)));
    }
    return { nodes: out, year: selected ? selected.year : null };
  }

  function yearPicker(r, years, selected) {
    const select = h('select', {
      id: 'year-select', name: 'year', 'data-control': 'year',
      onchange: (ev) => {
        window.location.hash = hrefArea(r.areaCode, ev.target.value);
      },
    }, years.slice().reverse().map((y) => h('option', { value: String(y.year), selected: y.year === selected.year }, String(y.year))));
    return h('div', { class: 'year-picker' },
      h('label', { for: 'year-select' }, t('yearLabel')),
      select,
      h('span', { class: 'print-only year-print' }, String(selected.year)));
  }

  function yearSections(r, years, y) {
    const poor = flowsOf(y, 'households', 'poor') || {};
    const near = flowsOf(y, 'households', 'nearPoor') || {};
    const broken = GROUPS.filter((g) => !(addsUp(flowsOf(y, g, 'poor')) && addsUp(flowsOf(y, g, 'nearPoor'))));
    const ok = broken.length === 0;
    const sections = [];

    sections.push(card(t('keyFiguresTitle', { year: y.year }), { class: 'card-key' },
      h('div', { class: 'kpis' },
        kpi(t('startPoor'), intFigure('start-poor', poor.start), t('unitHouseholds')),
        kpi(t('endPoor'), intFigure('end-poor', poor.end), t('unitHouseholds'), 'kpi-strong'),
        kpi(t('escapedPoor'), intFigure('escaped-poor', poor.escaped), t('unitHouseholds'), poor.escaped > 0 ? 'kpi-good' : ''),
        kpi(t('newlyPoor'), intFigure('newly-poor', poor.newly), t('unitHouseholds'), poor.newly > 0 ? 'kpi-bad' : ''),
        kpi(t('rePoor'), intFigure('re-poor', poor.re), t('unitHouseholds'), poor.re > 0 ? 'kpi-bad' : ''),
        kpi(t('startNearPoor'), intFigure('start-near-poor', near.start), t('unitHouseholds')),
        kpi(t('endNearPoor'), intFigure('end-near-poor', near.end), t('unitHouseholds'), 'kpi-strong')),
      h('p', { class: `check ${ok ? 'check-ok' : 'check-bad'}` },
        figure('flows-add-up', ok ? 1 : 0, ok ? '✓' : '✗', null),
        ' ',
        ok ? t('addsUp') : t('notAddsUp', { groups: broken.map((g) => t(`group_${g}`)).join(', ') }))));

    sections.push(ratesCard(y));

    sections.push(h('div', { class: 'grid-2' },
      card(t('waterfallPoor', { year: y.year }), { 'data-chart': 'waterfall-poor' },
        chart('chart-waterfall', drawWaterfall(poor, 'poor'),
          t('waterfallAria', { title: t('waterfallPoor', { year: y.year }), start: fmtInt(poor.start || 0), end: fmtInt(poor.end || 0) })),
        legend([['sw-total', t('legendTotal')], ['sw-in', t('legendIn')], ['sw-out', t('legendOut')]])),
      card(t('waterfallNearPoor', { year: y.year }), { 'data-chart': 'waterfall-near-poor' },
        chart('chart-waterfall', drawWaterfall(near, 'nearPoor'),
          t('waterfallAria', { title: t('waterfallNearPoor', { year: y.year }), start: fmtInt(near.start || 0), end: fmtInt(near.end || 0) })),
        legend([['sw-total', t('legendTotal')], ['sw-in', t('legendIn')], ['sw-out', t('legendOut')]]))));

    sections.push(h('div', { class: 'grid-2' }, flowsTable(y, poor, near), h('div', { class: 'stack' }, seriesCard(years, r), proposedCard(y))));
    sections.push(groupsTable(y));
    return sections;
  }

  function ratesCard(y) {
    const rates = y.rates || {};
    const target = y.target || null;
    const poor = flowsOf(y, 'households', 'poor') || {};
    const achieved = target && isNum(target.achievedReduction)
      ? target.achievedReduction
      : isNum(poor.start) && isNum(poor.end) ? poor.start - poor.end : null;
    const tgt = (k) => (target && isNum(target[k]) ? target[k] : null);
    const targetRate = tgt('poorRatePercent');
    const gapRate = tgt('poorRateGapPoints');
    const targetReduction = tgt('poorHouseholdsReduction');
    const gapReduction = tgt('reductionGap');
    const missingGapRate = targetRate === null ? 'target' : 'denominator';

    const denominator = (d, when) => {
      const known = d && isNum(d.households);
      return h('li', null,
        `${t('denominatorAt', { when })}: `,
        known ? t('denominatorHouseholds', { n: fmtInt(d.households) }) : h('strong', { class: 'missing' }, t('denominatorMissing')),
        d && isNum(d.communes) ? h('span', { class: 'muted' }, ` · ${t('communesKnown', { k: fmtInt(d.communesKnown || 0), n: fmtInt(d.communes) })}`) : null);
    };

    const rateBlock = h('div', { class: 'target-block' },
      h('h4', null, t('rateHeading')),
      h('dl', { class: 'pairs' },
        h('dt', null, t('startRate')), h('dd', null, rateFigure('start-rate', rates.poorStart)),
        h('dt', null, t('endRate')), h('dd', null, rateFigure('end-rate', rates.poorEnd)),
        h('dt', null, t('targetRate')), h('dd', null,
          figure('target-rate', targetRate, targetRate !== null ? fmtPct(targetRate) : t('noTarget'), 'target')),
        h('dt', null, t('gapRate')), h('dd', null,
          figure('gap-rate', gapRate, gapRate !== null ? `${fmtSigned(gapRate, fmtDec)} ${t('unitPoints')}` : targetRate === null ? '—' : t('denominatorMissing'), missingGapRate),
          ' ', statusBadge(gapRate))),
      isNum(rates.poorEnd) || isNum(targetRate)
        ? chart('chart-bullet', drawBullet({ value: isNum(rates.poorEnd) ? rates.poorEnd : null, target: targetRate, start: isNum(rates.poorStart) ? rates.poorStart : null, fmt: fmtPct, lowerIsBetter: true }), t('endRate'))
        : null);

    const reductionBlock = h('div', { class: 'target-block' },
      h('h4', null, t('targetReduction')),
      h('dl', { class: 'pairs' },
        h('dt', null, t('targetReduction')), h('dd', null,
          figure('target-reduction', targetReduction, targetReduction !== null ? `${fmtInt(targetReduction)} ${t('unitHouseholds')}` : t('noTarget'), 'target')),
        h('dt', null, t('achievedReduction')), h('dd', null,
          figure('achieved-reduction', achieved, isNum(achieved) ? `${fmtInt(achieved)} ${t('unitHouseholds')}` : '—', 'absent')),
        h('dt', null, t('gapReduction')), h('dd', null,
          figure('gap-reduction', gapReduction, gapReduction !== null ? `${fmtInt(Math.max(0, gapReduction))} ${t('unitHouseholds')}` : '—', 'target'),
          ' ', statusBadge(gapReduction))),
      targetReduction !== null
        ? chart('chart-bullet', drawBullet({ value: achieved, target: targetReduction, start: null, fmt: fmtInt, lowerIsBetter: false }), t('targetReduction'))
        : null);

    const nearTarget = tgt('nearPoorRatePercent');
    const nearGap = tgt('nearPoorRateGapPoints');
    const nearBlock = h('dl', { class: 'pairs pairs-inline' },
      h('dt', null, t('startNearPoorRate')), h('dd', null, rateFigure('start-near-poor-rate', rates.nearPoorStart)),
      h('dt', null, t('endNearPoorRate')), h('dd', null, rateFigure('end-near-poor-rate', rates.nearPoorEnd)),
      nearTarget !== null ? [
        h('dt', null, t('targetNearPoorRate')), h('dd', null, figure('target-near-poor-rate', nearTarget, fmtPct(nearTarget), 'target')),
        h('dt', null, t('gapNearPoorRate')), h('dd', null,
          figure('gap-near-poor-rate', nearGap, nearGap !== null ? `${fmtSigned(nearGap, fmtDec)} ${t('unitPoints')}` : t('denominatorMissing'), 'denominator'),
          ' ', statusBadge(nearGap)),
      ] : null);

    return card(t('ratesTitle', { year: y.year }), { class: 'card-rates', 'data-target': target ? 'set' : 'none' },
      target ? null : h('p', { class: 'muted small' }, t('noTargetYear')),
      h('div', { class: 'grid-2 grid-tight' }, rateBlock, reductionBlock),
      nearBlock,
      h('ul', { class: 'denominators small' },
        denominator(y.denominatorAtStart, t('denominatorStart', { year: y.year - 1 })),
        denominator(y.denominatorAtEnd, t('denominatorEnd', { year: y.year }))),
      h('p', { class: 'muted small' }, t('rateNote')));
  }

  function flowLabel(k, cls) {
    return has(`flow_${k}_${cls}`) ? t(`flow_${k}_${cls}`) : t(`flow_${k}`);
  }

  /** A flow's name for a row that holds both classes. */
  function tableFlowLabel(k) {
    return has(`tbl_${k}`) ? t(`tbl_${k}`) : flowLabel(k, 'poor');
  }

  function flowsTable(y, poor, near) {
    const body = h('tbody');
    const row = (label, a, b, cls) => body.append(h('tr', { class: cls }, h('th', { scope: 'row' }, label), numCell(a), numCell(b)));
    row(t('flow_start'), poor.start, near.start, 'row-total');
    body.append(h('tr', { class: 'row-section' }, h('th', { scope: 'rowgroup', colspan: 3 }, t('inflows'))));
    for (const k of INFLOWS) {
      if (k === 're' && !poor.re && !near.re) continue;
      row(tableFlowLabel(k), poor[k], near[k], 'row-in');
    }
    body.append(h('tr', { class: 'row-section' }, h('th', { scope: 'rowgroup', colspan: 3 }, t('outflows'))));
    for (const k of OUTFLOWS) {
      row(tableFlowLabel(k), poor[k], near[k], 'row-out');
    }
    row(t('flow_end'), poor.end, near.end, 'row-total');
    return card(t('flowsTableTitle', { year: y.year }), { 'data-table': 'flows' },
      tableWrap(h('table', { class: 'data data-compact' },
        h('caption', { class: 'visually-hidden' }, t('flowsTableCaption')),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, t('colFlow')),
          h('th', { scope: 'col', class: 'num' }, t('colPoor')),
          h('th', { scope: 'col', class: 'num' }, t('colNearPoor')))),
        body)));
  }

  function groupsTable(y) {
    const body = h('tbody');
    for (const g of GROUPS) {
      const p = flowsOf(y, g, 'poor');
      const n = flowsOf(y, g, 'nearPoor');
      if (!p && !n) continue;
      const ok = addsUp(p) && addsUp(n);
      body.append(h('tr', { 'data-group': g },
        h('th', { scope: 'row' }, t(`group_${g}`)),
        numCell(p && p.start), numCell(p && p.end), numCell(n && n.start), numCell(n && n.end),
        h('td', { class: `num ${ok ? 'ok' : 'bad'}`, title: ok ? t('addsUp') : t('notAddsUp', { groups: t(`group_${g}`) }) }, ok ? '✓' : '✗')));
    }
    return card(t('groupsTitle', { year: y.year }), { 'data-table': 'groups' },
      tableWrap(h('table', { class: 'data data-compact' },
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, t('colGroup')),
          h('th', { scope: 'col', class: 'num' }, t('colPoorStart')),
          h('th', { scope: 'col', class: 'num' }, t('colPoorEnd')),
          h('th', { scope: 'col', class: 'num' }, t('colNearPoorStart')),
          h('th', { scope: 'col', class: 'num' }, t('colNearPoorEnd')),
          h('th', { scope: 'col', class: 'num' }, h('span', { class: 'visually-hidden' }, t('addsUp')), '✓'))),
        body)));
  }

  /**
   * The years side by side: the system's review years and the figures published for the area (baselines), the two
   * told apart in the chart (solid / hatched, solid / dashed rate line) and in the table (a tag on each row).
   */
  function seriesCard(years, r) {
    const baselines = baselinesOf(r);
    const entries = seriesEntries(years, baselines);
    const tagged = baselines.length > 0;
    const body = h('tbody');
    const rateCell = (v) => h('td', { class: 'num' }, isNum(v) ? fmtPct(v) : h('span', { class: 'muted small' }, t('denominatorMissing')));
    const tag = (which) => (tagged
      ? h('span', { class: `src-tag src-${which}` }, t(which === 'published' ? 'tagPublished' : 'tagSystem')) : null);
    /** A published figure at the end of the year, with the start of the year under it (hooks for both, missing or not). */
    const pubCell = (name, b, endKey, startKey, f) => {
      const endValue = pubNum(b, endKey);
      const startValue = pubNum(b, startKey);
      const endEl = figure(`baseline-${name}-end-${b.year}`, endValue, endValue !== null ? f(endValue) : '—', 'not-published');
      if (endValue === null) endEl.setAttribute('title', t('notPublished'));
      const startEl = figure(`baseline-${name}-start-${b.year}`, startValue, startValue !== null ? f(startValue) : t('notPublished'), 'not-published');
      return h('td', { class: 'num' }, endEl,
        h('span', { class: startValue !== null ? 'start-note' : 'visually-hidden' }, h('span', { class: 'start-label' }, t('startShort')), ' ', startEl));
    };
    for (const e of entries.slice().reverse()) {
      if (e.sys) {
        const y = e.sys;
        const p = flowsOf(y, 'households', 'poor') || {};
        const n = flowsOf(y, 'households', 'nearPoor') || {};
        const rates = y.rates || {};
        body.append(h('tr', { 'data-source': 'system', 'data-year': String(y.year) },
          h('th', { scope: 'row' }, String(y.year), tag('system')),
          numCell(p.end), rateCell(rates.poorEnd), numCell(n.end), rateCell(rates.nearPoorEnd)));
      }
      if (e.pub) {
        const b = e.pub;
        body.append(h('tr', { class: 'row-published', 'data-source': 'published', 'data-year': String(b.year) },
          h('th', { scope: 'row' }, String(b.year), tag('published')),
          pubCell('poor', b, 'poorHouseholdsEnd', 'poorHouseholdsStart', fmtInt),
          pubCell('rate', b, 'poorRateEndPercent', 'poorRateStartPercent', fmtPct),
          pubCell('near-poor', b, 'nearPoorHouseholdsEnd', 'nearPoorHouseholdsStart', fmtInt),
          pubCell('near-poor-rate', b, 'nearPoorRateEndPercent', 'nearPoorRateStartPercent', fmtPct)));
      }
    }
    const anyRate = years.some((y) => y.rates && isNum(y.rates.poorEnd)) || baselines.some((b) => isNum(b.poorRateEndPercent));
    const withFigures = entries.filter((e) => e.sys || e.pub).length;
    return card(t('seriesTitle'), { 'data-chart': 'series', 'data-baselines': String(baselines.length) },
      chart('chart-series', drawSeries(entries), t('seriesTitle')),
      legend([['sw-poor', t('seriesPoor')], ['sw-near', t('seriesNearPoor')], anyRate ? ['sw-rate', t('seriesRate')] : null].filter(Boolean)),
      tagged ? h('ul', { class: 'legend legend-sources' },
        years.length ? h('li', { 'data-legend': 'system' }, h('span', { class: 'swatch sw-system', 'aria-hidden': 'true' }),
          anyRate ? h('span', { class: 'sw-line', 'aria-hidden': 'true' }) : null, t('seriesSystem')) : null,
        h('li', { 'data-legend': 'published' }, h('span', { class: 'swatch sw-published', 'aria-hidden': 'true' }),
          anyRate ? h('span', { class: 'sw-line sw-line-dashed', 'aria-hidden': 'true' }) : null, t('seriesPublished'))) : null,
      withFigures === 1 && !tagged ? h('p', { class: 'muted small' }, t('seriesOneYear')) : null,
      tableWrap(h('table', { class: 'data data-compact data-series' },
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, t('colYear')),
          h('th', { scope: 'col', class: 'num' }, twoWidths('colPoor', 'colPoorShort')),
          h('th', { scope: 'col', class: 'num' }, t('colRatePoor')),
          h('th', { scope: 'col', class: 'num' }, twoWidths('colNearPoor', 'colNearPoorShort')),
          h('th', { scope: 'col', class: 'num' }, twoWidths('colRateNearPoor', 'colRateNearPoorShort')))),
        body)),
      tagged ? h('p', { class: 'muted small baseline-note' }, t('baselineNote')) : null,
      tagged ? sourcesBlock(r) : null);
  }

  /** Source text as text, its http(s) addresses as links. */
  function sourceText(text) {
    return String(text).split(/(https?:\/\/[^\s<>"]+)/).filter(Boolean).map((part) => {
      if (!/^https?:\/\//.test(part)) return part;
      const url = part.replace(/[.,;:)]+$/, '');
      const rest = part.slice(url.length);
      return [h('a', { href: url, rel: 'noopener noreferrer external', target: '_blank' }, url), rest];
    });
  }

  /** "Nguồn / Source: …": the sources of the area's published figures, the years sharing one source together. */
  function sourcesBlock(r) {
    const held = state.sources;
    const mine = held.code === r.areaCode;
    const status = mine ? held.status : 'loading';
    const el = h('div', { class: 'sources small', 'data-sources': status });
    if (status !== 'ok') return el; // loading, or failed: the sources are left out
    const years = new Set(baselinesOf(r).map((b) => b.year));
    const bySource = new Map();
    for (const item of held.list) {
      const f = item && item.figure;
      if (!f || item.withdrawn || f.kind !== 'baseline' || !years.has(f.year)) continue;
      const text = typeof f.source === 'string' ? f.source.trim() : '';
      if (!text) continue;
      if (!bySource.has(text)) bySource.set(text, new Set());
      bySource.get(text).add(f.year);
    }
    if (!bySource.size) {
      el.setAttribute('data-sources', 'none');
      return el;
    }
    const items = [...bySource.entries()]
      .map(([text, ys]) => ({ text, years: [...ys].sort((a, b) => a - b) }))
      .sort((a, b) => a.years[0] - b.years[0] || (a.text < b.text ? -1 : 1));
    return append(el, [
      h('p', { class: 'sources-label' }, `${t('sourcesLabel')}:`),
      h('ul', { class: 'sources-list' }, items.map((it) => h('li', { 'data-years': it.years.join(',') },
        h('span', { class: 'source-years' }, `${it.years.join(', ')}: `),
        h('span', { class: 'source-text' }, sourceText(it.text))))),
    ]);
  }

  function proposedCard(y) {
    const p = y.proposed || {};
    return card(t('proposedTitle'), { class: 'card-proposed', 'data-section': 'proposed' },
      h('p', { class: 'muted small' }, t('proposedNote', { year: y.year })),
      h('div', { class: 'kpis kpis-compact' },
        kpi(t('proposedPoor'), intFigure('proposed-poor', p.poor), t('unitHouseholds')),
        kpi(t('proposedNearPoor'), intFigure('proposed-near-poor', p.nearPoor), t('unitHouseholds')),
        kpi(t('proposedTotal'), intFigure('proposed-total', p.total), t('unitHouseholds'))));
  }

  function officialCard(r) {
    const o = r.official;
    if (!o || !o.households) return card(t('officialTitle'), { 'data-section': 'official' }, h('p', { class: 'muted' }, t('officialNone')));
    return card(t('officialTitle'), { 'data-section': 'official' },
      h('div', { class: 'kpis kpis-compact' },
        kpi(t('officialPoor'), intFigure('official-poor', o.households.poor), t('unitHouseholds')),
        kpi(t('officialNearPoor'), intFigure('official-near-poor', o.households.nearPoor), t('unitHouseholds')),
        o.people ? kpi(t('officialPeoplePoor'), intFigure('official-people-poor', o.people.poor), t('unitPeople')) : null,
        o.people ? kpi(t('officialPeopleNearPoor'), intFigure('official-people-near-poor', o.people.nearPoor), t('unitPeople')) : null));
  }

  function registryCard(r) {
    const hh = r.households || {};
    const dl = h('dl', { class: 'pairs' },
      h('dt', null, t('registryTotal')), h('dd', null, isNum(hh.total) ? fmtInt(hh.total) : '—'),
      h('dt', null, t('registryPoor')), h('dd', null, isNum(hh.poor) ? fmtInt(hh.poor) : '—'),
      h('dt', null, t('registryNearPoor')), h('dd', null, isNum(hh.nearPoor) ? fmtInt(hh.nearPoor) : '—'),
      h('dt', null, t('registryAverage')), h('dd', null, isNum(hh.averageLiving) ? fmtInt(hh.averageLiving) : '—'),
      isNum(r.lowIncomeWorkerHouseholds) ? [h('dt', null, t('registryLowIncome')), h('dd', null, fmtInt(r.lowIncomeWorkerHouseholds))] : null,
      isNum(r.unclassified) && r.unclassified > 0 ? [h('dt', null, t('registryUnclassified')), h('dd', null, fmtInt(r.unclassified))] : null);
    return card(t('registryTitle'), { 'data-section': 'registry' }, dl, h('p', { class: 'muted small' }, t('registryNote')));
  }

  function deprivationCard(r) {
    const entries = Object.entries(r.poorDeprivedBy || {}).filter(([, v]) => isNum(v)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    if (!entries.length || entries.every(([, v]) => v === 0)) {
      return card(t('deprivTitle'), { 'data-chart': 'deprivations' }, h('p', { class: 'muted' }, t('deprivNone')));
    }
    const rows = entries.map(([id, v]) => ({
      label: has(`ind_${id}`) ? t(`ind_${id}`) : id, from: 0, to: v, kind: 'deprived', text: fmtInt(v),
    }));
    const list = h('ul', { class: 'visually-hidden' }, rows.map((row, i) => h('li', { 'data-indicator': entries[i][0] }, `${row.label}: ${row.text}`)));
    return card(t('deprivTitle'), { 'data-chart': 'deprivations' },
      chart('chart-deprivations', (width) => barRows(rows, width, { className: 'deprivations' }), t('deprivTitle')),
      list,
      h('p', { class: 'muted small' }, t('deprivNote')));
  }

  function creditCard(r) {
    const c = r.credit;
    const referrals = r.referrals || {};
    const dl = h('dl', { class: 'pairs' },
      h('dt', null, t('referred')), h('dd', null, isNum(referrals.households) ? fmtInt(referrals.households) : '—'),
      r.loanCandidates && isNum(r.loanCandidates.households)
        ? [h('dt', null, t('loanCandidates')), h('dd', null, fmtInt(r.loanCandidates.households))] : null,
      c ? [
        h('dt', null, t('householdsApplied')), h('dd', null, intFigure('credit-households-applied', c.householdsApplied)),
        h('dt', null, t('householdsLent')), h('dd', null, intFigure('credit-households-lent', c.householdsDisbursed)),
        h('dt', null, t('householdsOverdue')), h('dd', null, intFigure('credit-households-overdue', c.householdsOverdue)),
        h('dt', null, t('disbursedVnd')), h('dd', null, c.loans && isNum(c.loans.disbursedVnd) ? fmtVnd(c.loans.disbursedVnd) : '—'),
        h('dt', null, t('outstandingVnd')), h('dd', null,
          figure('credit-outstanding-vnd', c.loans ? c.loans.outstandingVnd : null, c.loans && isNum(c.loans.outstandingVnd) ? fmtVnd(c.loans.outstandingVnd) : '—', 'absent')),
        h('dt', null, t('overdueVnd')), h('dd', null, c.loans && isNum(c.loans.overdueVnd) ? fmtVnd(c.loans.overdueVnd) : '—'),
      ] : null);
    return card(t('creditTitle'), { 'data-section': 'credit' }, dl, c ? null : h('p', { class: 'muted small' }, t('creditNone')));
  }

  function trainingCard(r) {
    const tr = r.training || {};
    const o = tr.outcomes;
    const dl = h('dl', { class: 'pairs' },
      h('dt', null, t('trainingCandidates')), h('dd', null, isNum(tr.candidates) ? fmtInt(tr.candidates) : '—'),
      h('dt', null, t('trainingHouseholds')), h('dd', null, isNum(tr.households) ? fmtInt(tr.households) : '—'));
    if (!o || !o.members) {
      return card(t('trainingTitle'), { 'data-section': 'training' }, dl, h('p', { class: 'muted small' }, t('trainingNone')));
    }
    const m = o.members;
    const rows = STEPS.map((k) => ({ label: t(`step_${k}`), from: 0, to: isNum(m[k]) ? m[k] : 0, kind: `funnel step-${k}`, text: fmtInt(isNum(m[k]) ? m[k] : 0) }));
    return card(t('trainingTitle'), { 'data-section': 'training' },
      dl,
      h('div', { class: 'kpis kpis-compact' },
        kpi(t('step_enrolled'), intFigure('training-enrolled', m.enrolled), t('unitMembers')),
        kpi(t('step_completed'), intFigure('training-completed', m.completed), t('unitMembers')),
        kpi(t('step_placed'), intFigure('training-placed', m.placed), t('unitMembers'))),
      chart('chart-funnel', (width) => barRows(rows, width, { className: 'funnel' }), t('trainingTitle')),
      h('dl', { class: 'pairs small' },
        h('dt', null, t('step_dropped')), h('dd', null, isNum(m.dropped) ? fmtInt(m.dropped) : '—'),
        h('dt', null, t('supportCommitted')), h('dd', null, isNum(o.supportCommittedVnd) ? fmtVnd(o.supportCommittedVnd) : '—')));
  }

  function districtCommunes(r) {
    const idx = state.index;
    const known = (r.communes || []).map((c) => idx.byCode.get(c) || { areaCode: c, areaLevel: 'commune', provinceCode: r.provinceCode, version: 0 });
    const out = [listCard(t('communesOfDistrict'), t('listNote'), known, { list: 'district-communes', filter: known.length > 8 })];
    const partly = r.communesPartlyIn || [];
    if (partly.length) {
      out.push(card(t('communesPartlyIn'), { 'data-list': 'communes-partly-in' },
        h('ul', { class: 'inline-list' }, partly.map((c) => {
          const cr = idx.byCode.get(c);
          return h('li', null, cr ? h('a', { href: hrefArea(c), 'data-nav': 'area', 'data-code': c }, `${areaName(cr)} (${c})`) : c);
        }))));
    }
    return out;
  }

  // ------------------------------------------------------------------ render

  function render(opts = {}) {
    renderChrome();
    charts.length = 0;
    lastWidths = [];
    state.shown = new Set();
    const route = state.route;
    const scrollY = window.scrollY;
    let nodes;
    let attrs = null;
    let view = route.view;
    let title = null;
    const areaLoading = route.view === 'area' && state.index && state.index.byCode.has(route.code)
      && !state.area && !state.areaError;
    if ((!state.list && !state.listError) || areaLoading) {
      renderLoading(); // still loading (a language switch meanwhile lands here)
      return;
    }
    if (state.listError || !state.list) {
      view = 'error';
      nodes = viewError(state.listError ? String(state.listError.message || state.listError) : '');
    } else if (route.view === 'provinces') {
      nodes = viewProvinces();
      if (!state.list.length) view = 'empty';
    } else if (route.view === 'province') {
      nodes = viewProvince(route.code);
      attrs = { 'data-code': route.code };
      title = provinceName(route.code);
    } else if (!state.index.byCode.has(route.code)) {
      view = 'not-found';
      renderCrumbs([{ label: t('home'), href: hrefHome() }, { label: route.code }]);
      nodes = viewNotFound(route.code);
    } else if (!state.area) {
      view = 'error';
      nodes = viewError(state.areaError ? String(state.areaError.message || state.areaError) : '');
    } else {
      const built = viewArea(route);
      nodes = built.nodes;
      attrs = { 'data-code': state.area.areaCode, 'data-year': built.year !== null ? String(built.year) : null };
      title = areaName(state.area);
    }
    const main = setView(view, attrs, title);
    main.replaceChildren(...nodes.filter(Boolean));
    drawCharts(true);
    if (opts.keepScroll) window.scrollTo(0, scrollY);
  }

  // ------------------------------------------------------------------ start

  function start() {
    document.getElementById('lang-button').addEventListener('click', () => setLang(lang === 'vi' ? 'en' : 'vi'));
    document.getElementById('print-button').addEventListener('click', () => window.print());
    window.addEventListener('hashchange', navigate);
    let pendingFrame = 0;
    const redraw = () => {
      if (pendingFrame) return;
      pendingFrame = window.requestAnimationFrame(() => {
        pendingFrame = 0;
        drawCharts(false);
      });
    };
    if (typeof window.ResizeObserver === 'function') new ResizeObserver(redraw).observe(document.getElementById('app'));
    else window.addEventListener('resize', redraw);
    window.addEventListener('beforeprint', () => drawCharts(false));
    renderChrome();
    takeTokenFromAddress();
    if (!token()) {
      showSignIn('');
      return;
    }
    navigate();
    connectLive();
  }

  start();
})();
