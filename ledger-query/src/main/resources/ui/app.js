// Usage ledger dashboard: one hash-routed page per view, every figure read from the ledger's API.
(() => {
  'use strict';

  const HOUR_MS = 3600000;
  const DAY_MS = 86400000;
  const PAGES = { spend: spendPage, budgets: budgetsPage, breaches: breachesPage, holds: holdsPage, health: healthPage };
  const DIMENSIONS = ['model', 'provider', 'team', 'user'];
  const SCOPE_TYPES = ['tenant', 'team', 'user', 'api_key', 'feature', 'provider', 'model'];

  const $ = (selector) => document.querySelector(selector);
  const main = $('#main');
  const errorBox = $('#error');
  let seq = 0; // bumped on every view shown, so answers for a view left behind change nothing
  let timers = [];

  const store = {
    get: (key) => sessionStorage.getItem('ledger.' + key),
    set: (key, value) => sessionStorage.setItem('ledger.' + key, value),
    drop: (key) => sessionStorage.removeItem('ledger.' + key),
  };
  const dropSession = () => ['token', 'tenant', 'admin', 'scope'].forEach(store.drop);

  function validZone(name) {
    try {
      return Boolean(name) && Boolean(new Intl.DateTimeFormat('en-US', { timeZone: name }));
    } catch (e) {
      return false;
    }
  }

  function zone() {
    const chosen = store.get('tz');
    return validZone(chosen) ? chosen : Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  }

  function fill(el, props, kids) {
    for (const [key, value] of Object.entries(props || {})) {
      if (value != null && value !== false) el.setAttribute(key, value === true ? '' : String(value));
    }
    for (const kid of kids.flat(Infinity)) {
      if (kid != null && kid !== false) el.append(kid instanceof Node ? kid : String(kid));
    }
    return el;
  }

  const h = (name, props, ...kids) => fill(document.createElement(name), props, kids);
  const s = (name, props, ...kids) => fill(document.createElementNS('http://www.w3.org/2000/svg', name), props, kids);
  const muted = (text) => h('p', { class: 'muted' }, text);
  const tag = (text, kind) => h('span', { class: 'tag ' + (kind || '') }, text);
  const stale = (answer) => (answer.stale ? h('p', {}, tag('stale', 'warning'), 'answered from a standby copy') : null);

  function card(title, ...controls) {
    const body = h('div', {}, muted('Loading…'));
    const el = h('section', { class: 'card' }, h('h3', {}, title), controls, body);
    return { el, set: (...nodes) => body.replaceChildren(...nodes.flat(Infinity).filter((n) => n != null)) };
  }

  function table(head, rows) {
    return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': head.join(', ') },
      h('table', {}, h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows)));
  }

  function kvTable(object) {
    const text = (v) => (v == null ? '—' : typeof v === 'object'
      ? JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? String(x) : x)) : String(v));
    return table(['Key', 'Value'], Object.entries(object).map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, text(v)))));
  }

  const big = (v) => (v == null ? null : typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v))));
  const maxBig = (a, b) => (a > b ? a : b);
  const count = (v) => (v == null ? '—' : big(v).toLocaleString());
  const words = (metric) => String(metric || '').replace(/_/g, ' ');
  const isCost = (metric) => !metric || metric === 'cost_micros';
  const currencyOf = (answer) => (typeof answer.currency === 'string' ? answer.currency : 'USD');
  const iso = (ms) => new Date(ms).toISOString();

  // Exact decimal text of micros: Intl formats a decimal string without a detour through floating point.
  function decimal(micros) {
    const abs = micros < 0n ? -micros : micros;
    return (micros < 0n ? '-' : '') + (abs / 1000000n) + '.' + String(abs % 1000000n).padStart(6, '0');
  }

  const formatters = new Map();
  function moneyText(micros, currency) {
    const code = currency || 'USD';
    if (!formatters.has(code)) {
      const options = (c) => ({ style: 'currency', currency: c, roundingMode: 'halfEven' });
      let format;
      try {
        format = new Intl.NumberFormat(undefined, options(code));
      } catch (e) {
        format = new Intl.NumberFormat(undefined, options('USD'));
      }
      formatters.set(code, format);
    }
    return formatters.get(code).format(decimal(micros));
  }

  function amountText(value, metric, currency) {
    const v = big(value);
    if (v == null) return 'no limit';
    return isCost(metric) ? moneyText(v, currency) : `${v.toLocaleString()} ${words(metric)}`;
  }

  // A figure a test reads: the raw integer in data-micros, the exact amount in the hover title.
  function amount(value, metric, currency, testid) {
    const v = big(value);
    const title = v == null ? null : isCost(metric) ? `${v} micro-units` : `${v} ${words(metric)}`;
    return h('span', { class: 'amount', 'data-testid': testid, 'data-micros': v, title }, amountText(v, metric, currency));
  }

  function fmtTime(value, options) {
    if (value == null || value === '') return '—';
    const opts = options || { dateStyle: 'medium', timeStyle: 'short' };
    return new Intl.DateTimeFormat(undefined, { ...opts, timeZone: zone() }).format(new Date(value));
  }

  const fmtDate = (value) => fmtTime(value, { dateStyle: 'medium' });
  const span = (from, to) => `${fmtTime(from)} – ${fmtTime(to)}`;
  const timeEl = (value, testid) => h('time', { datetime: typeof value === 'number' ? iso(value) : value, 'data-testid': testid }, fmtTime(value));

  function zoneParts(ms) {
    const parts = {};
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone(), year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23',
    });
    for (const part of format.formatToParts(new Date(ms))) parts[part.type] = part.value;
    return parts;
  }

  function localDate(value) {
    const p = zoneParts(Date.parse(value));
    return `${p.year}-${p.month}-${p.day}`;
  }

  function timeLeft(ms) {
    if (ms <= 0) return 'expired';
    const t = Math.floor(ms / 1000);
    const [d, hr, min, sec] = [Math.floor(t / 86400), Math.floor(t / 3600) % 24, Math.floor(t / 60) % 60, t % 60];
    return d ? `${d}d ${hr}h` : hr ? `${hr}h ${min}m` : min ? `${min}m ${sec}s` : `${sec}s`;
  }

  function apiError(status, code, message) {
    return Object.assign(new Error(message), { status, code });
  }

  // JSON integers past 2^53 lose digits as Numbers; where the engine hands over the source text, keep them exact.
  function keepBigIntegers(key, value, context) {
    const source = context && context.source;
    return typeof value === 'number' && !Number.isSafeInteger(value) && /^-?\d+$/.test(source || '') ? BigInt(source) : value;
  }

  async function call(path, params, opts = {}) {
    const url = new URL(path, location.origin);
    for (const [key, value] of Object.entries(params || {})) {
      if (value != null && value !== '') url.searchParams.set(key, value);
    }
    const headers = { Accept: 'application/json' };
    if (opts.auth !== false) headers.Authorization = 'Bearer ' + (opts.token || store.get('token'));
    let response;
    try {
      response = await fetch(url, { headers, cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      throw apiError(0, 'network', `The service did not answer (${e.message}).`);
    }
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text, keepBigIntegers) : null;
    } catch (e) {
      body = null;
    }
    return { status: response.status, ok: response.ok, body };
  }

  async function request(path, params, opts) {
    const { status, ok, body } = await call(path, params, opts);
    if (!ok) {
      const error = (body && body.error) || {};
      throw apiError(status, error.code || 'http_' + status, error.message || `The service answered HTTP ${status}.`);
    }
    return body || {};
  }

  const tenantPath = (sub) => `/v1/tenants/${encodeURIComponent(store.get('tenant'))}/${sub}`;
  const tenantApi = (sub, params) => request(tenantPath(sub), params);

  function showError(error) {
    errorBox.textContent = error.message;
    errorBox.dataset.status = error.status == null ? '' : error.status;
    errorBox.dataset.code = error.code || '';
  }

  const clearError = () => showError({ message: '' });

  function markLoaded(ctx) {
    if (ctx.live()) document.body.dataset.loaded = ctx.pending ? 'false' : 'true';
  }

  // Runs one piece of a view's loading; the view reads as loaded once none is pending.
  async function track(ctx, work) {
    ctx.pending++;
    markLoaded(ctx);
    try {
      await work();
    } catch (e) {
      ctx.fail(e);
    } finally {
      ctx.pending--;
      markLoaded(ctx);
    }
  }

  function load(ctx, box, work) {
    return track(ctx, async () => {
      try {
        box.set(await work());
      } catch (e) {
        box.set(muted('Not available: ' + e.message));
        throw e;
      }
    });
  }

  function leaveView() {
    seq++;
    timers.forEach(clearInterval);
    timers = [];
  }

  function currentPage() {
    const name = location.hash.slice(1);
    return Object.prototype.hasOwnProperty.call(PAGES, name) ? name : 'spend';
  }

  function setChrome(signedIn, page) {
    $('#session').hidden = !signedIn;
    $('#nav').hidden = !signedIn;
    $('#signed-in-as').textContent = signedIn ? store.get('tenant') : '';
    $('#role').textContent = store.get('admin') === 'true' ? 'admin token' : 'tenant token';
    for (const link of document.querySelectorAll('#nav a')) {
      if (signedIn && link.getAttribute('href') === '#' + page) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  function route(focus) {
    if (!store.get('token') || !store.get('tenant')) return signInView();
    const page = currentPage();
    setChrome(true, page);
    leaveView();
    const mine = seq;
    clearError();
    document.body.dataset.page = page;
    const view = h('section', { class: 'page', 'aria-labelledby': 'page-title' });
    main.replaceChildren(view);
    const ctx = {
      view,
      pending: 0,
      live: () => mine === seq,
      fail(error) {
        if (mine !== seq) return;
        if (error.status === 401) {
          dropSession();
          signInView();
        }
        showError(error);
      },
    };
    track(ctx, () => PAGES[page](ctx));
    if (focus) $('#page-title').focus();
  }

  function pageHead(ctx, title, note) {
    const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
    refresh.addEventListener('click', () => route(false));
    ctx.view.append(h('div', { class: 'page-head' }, h('h2', { id: 'page-title', tabindex: -1 }, title), refresh), note ? muted(note) : '');
  }

  function signInView() {
    leaveView();
    setChrome(false);
    document.body.dataset.page = 'sign-in';
    main.replaceChildren($('#sign-in').content.cloneNode(true));
    document.body.dataset.loaded = 'true';
    $('#sign-in-form').addEventListener('submit', signIn);
  }

  async function signIn(event) {
    event.preventDefault();
    const token = $('#token').value.trim();
    const tenant = $('#tenant');
    clearError();
    if (!token) {
      showError({ message: 'Enter an API token.' });
      return $('#token').focus();
    }
    document.body.dataset.loaded = 'false';
    try {
      const me = await request('/v1/me', null, { token });
      if (me.admin === true) {
        $('#tenant-row').hidden = false;
        tenant.required = true;
        if (tenant.value.trim()) begin(token, tenant.value.trim(), true);
        else tenant.focus();
      } else if (me.tenant_id) {
        begin(token, me.tenant_id, false);
      } else {
        throw apiError(0, 'unexpected', 'The service did not say which tenant this token is for.');
      }
    } catch (e) {
      showError(e);
    } finally {
      if (document.body.dataset.page === 'sign-in') document.body.dataset.loaded = 'true';
    }
  }

  function begin(token, tenant, admin) {
    store.set('token', token);
    store.set('tenant', tenant);
    store.set('admin', String(admin));
    const page = currentPage();
    if (location.hash === '#' + page) route(true);
    else location.hash = page; // the hashchange shows it
  }

  // Vertical bars drawn as SVG; a float ratio sizes each bar, the figures themselves stay BigInt.
  function barChart(items, caption, currency) {
    const W = 360, top = 22, base = 128;
    const max = items.reduce((m, item) => maxBig(m, item.micros), 0n);
    const step = (W - 8) / Math.max(items.length, 1);
    const every = Math.ceil(items.length / 12);
    const svg = s('svg', { viewBox: `0 0 ${W} 150`, class: 'chart', role: 'img', 'aria-label': caption },
      s('line', { x1: 4, x2: W - 4, y1: top, y2: top, class: 'grid' }),
      s('text', { x: 4, y: top - 6, class: 'tick' }, 'max ' + moneyText(max, currency)),
      s('line', { x1: 4, x2: W - 4, y1: base, y2: base, class: 'axis' }));
    items.forEach((item, i) => {
      const ratio = max > 0n ? Number(item.micros) / Number(max) : 0;
      const height = item.micros > 0n ? Math.max(1, ratio * (base - top)) : 0;
      const x = 4 + i * step;
      svg.append(s('rect', {
        x: (x + step * 0.15).toFixed(2), y: (base - height).toFixed(2), width: (step * 0.7).toFixed(2), height: height.toFixed(2),
        class: 'bar', 'data-testid': item.testid, 'data-micros': item.micros,
      }, s('title', {}, item.title)));
      if (i % every === 0) svg.append(s('text', { x: (x + step / 2).toFixed(2), y: base + 14, class: 'tick', 'text-anchor': 'middle' }, item.label));
    });
    return h('figure', { class: 'chart-wrap' }, svg, h('figcaption', { class: 'muted' }, caption));
  }

  function spendPage(ctx) {
    pageHead(ctx, 'Spend');
    const tz = zone();
    const [monthCard, daysCard, todayCard] = ['This month', 'Cost per day this month', 'Today, by hour'].map((title) => card(title));
    ctx.view.append(monthCard.el, daysCard.el, todayCard.el);
    breakdownCard(ctx, tz);
    const month = tenantApi('usage', { period: 'month', time_zone: tz });
    load(ctx, monthCard, async () => headline(await month));
    load(ctx, daysCard, async () => {
      const m = await month;
      return dayChart(await tenantApi('trends', { interval: 'day', from: m.period_start, to: m.period_end, time_zone: tz }), currencyOf(m));
    });
    load(ctx, todayCard, () => today(ctx, tz));
  }

  function headline(usage) {
    return [
      h('p', { class: 'big' }, amount(usage.cost_micros, 'cost_micros', currencyOf(usage), 'spend-total')),
      muted(`${fmtDate(usage.period_start)} – ${fmtDate(Date.parse(usage.period_end) - 1)} · ${count(usage.requests)} requests · `
        + `${count(usage.input_tokens)} input and ${count(usage.output_tokens)} output tokens`),
      stale(usage),
    ];
  }

  function dayChart(trends, currency) {
    const items = (trends.rows || []).map((row) => {
      const day = localDate(row.period_start);
      const micros = big(row.cost_micros);
      return { micros, label: String(Number(day.slice(8))), testid: `spend-day-${day}`, title: `${day}: ${moneyText(micros, currency)}` };
    });
    return items.length ? barChart(items, `Cost per day, ${zone()}`, currency) : muted('No days in this month yet.');
  }

  async function today(ctx, tz) {
    const day = await tenantApi('usage', { period: 'day', time_zone: tz });
    const currency = currencyOf(day);
    const total = h('p', { class: 'big' }, amount(day.cost_micros, 'cost_micros', currency, 'spend-today'));
    const to = Math.min(Date.parse(day.period_end), Math.ceil(Date.now() / HOUR_MS) * HOUR_MS + HOUR_MS);
    const trends = await tenantApi('trends', { interval: 'hour', from: day.period_start, to: iso(to), time_zone: tz });
    const seen = new Set();
    const items = (trends.rows || []).map((row) => {
      let hour = zoneParts(Date.parse(row.period_start)).hour;
      if (seen.has(hour)) hour += '-2'; // the repeated hour of a day leaving summer time
      seen.add(hour);
      const micros = big(row.cost_micros);
      return { micros, label: hour.slice(0, 2), testid: `spend-hour-${hour}`, title: `${hour}:00 ${moneyText(micros, currency)}` };
    });
    return [total, items.length ? barChart(items, `Cost per hour today, ${tz}`, currency) : muted('No hours yet today.')];
  }

  function breakdownCard(ctx, tz) {
    const select = h('select', { id: 'by' }, DIMENSIONS.map((d) => h('option', { value: d }, d)));
    select.value = DIMENSIONS.includes(store.get('by')) ? store.get('by') : 'model';
    const box = card('This month, split', h('div', { class: 'controls' }, h('label', { for: 'by' }, 'Split by'), select));
    ctx.view.append(box.el);
    let asked = 0;
    const run = () => {
      const mine = ++asked;
      const by = select.value;
      store.set('by', by);
      box.set(muted('Loading…'));
      // an answer for a dimension no longer chosen is dropped
      const only = (render) => (value) => mine === asked && box.set(render(value));
      track(ctx, () => tenantApi('breakdown', { by, period: 'month', time_zone: tz })
        .then(only((answer) => breakdownTable(answer, by)), (e) => {
          only(() => muted('Not available: ' + e.message))();
          throw e;
        }));
    };
    select.addEventListener('change', run);
    run();
  }

  function breakdownTable(answer, by) {
    const currency = currencyOf(answer);
    const rows = (answer.rows || []).map((row) => ({ member: row[by] == null ? '' : String(row[by]), micros: big(row.cost_micros), row }))
      .sort((a, b) => (a.micros === b.micros ? a.member.localeCompare(b.member) : b.micros > a.micros ? 1 : -1));
    if (!rows.length) return muted('No usage this month.');
    const total = rows.reduce((sum, r) => sum + r.micros, 0n);
    const max = rows[0].micros;
    return table([by, 'Cost', 'Share', 'Requests', 'Tokens in / out'], rows.map(({ member, micros, row }) => {
      const tenths = total > 0n ? (micros * 1000n) / total : 0n; // share in tenths of a percent, exact
      const bar = h('span', { class: 'hbar' }, h('span', {}));
      bar.firstChild.style.width = (max > 0n ? (Number(micros) / Number(max)) * 100 : 0) + '%';
      return h('tr', { 'data-testid': `breakdown-row-${member}`, 'data-micros': micros },
        h('th', { scope: 'row' }, member || '(none)'),
        h('td', { class: 'num' }, amount(micros, 'cost_micros', currency)),
        h('td', { class: 'share' }, bar, ` ${tenths / 10n}.${tenths % 10n} %`),
        h('td', { class: 'num' }, count(row.requests)),
        h('td', { class: 'num' }, `${count(row.input_tokens)} / ${count(row.output_tokens)}`));
    }));
  }

  function budgetsPage(ctx) {
    pageHead(ctx, 'Budgets');
    const saved = /^([a-z_]+):(.+)$/.exec(store.get('scope') || '') || [];
    const typeSelect = h('select', { id: 'scope-type' }, SCOPE_TYPES.map((t) => h('option', { value: t }, t)));
    typeSelect.value = SCOPE_TYPES.includes(saved[1]) ? saved[1] : 'tenant';
    const idInput = h('input', { id: 'scope-id', value: saved[2] || '', autocomplete: 'off', spellcheck: 'false' });
    const form = h('form', { class: 'controls card' }, h('label', { for: 'scope-type' }, 'Scope'), typeSelect,
      h('label', { for: 'scope-id' }, 'Id'), idInput, h('button', { type: 'submit' }, 'Show'));
    const result = h('div');
    ctx.view.append(form, result);
    const scope = () => (typeSelect.value === 'tenant' ? null : `${typeSelect.value}:${idInput.value.trim()}`);
    const syncId = () => {
      idInput.disabled = typeSelect.value === 'tenant';
    };
    const run = () => {
      result.replaceChildren(muted('Loading…'));
      track(ctx, async () => {
        try {
          const [status, policies] = await Promise.all([
            tenantApi('status', { scope: scope() }),
            tenantApi('policies').catch(() => null), // only for threshold marks; the status stands without them
          ]);
          result.replaceChildren(...statusView(status, policies));
        } catch (e) {
          result.replaceChildren(muted('Not available: ' + e.message));
          throw e;
        }
      });
    };
    typeSelect.addEventListener('change', syncId);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (scope() && !idInput.value.trim()) {
        showError({ message: `Enter the id of the ${typeSelect.value}.` });
        return idInput.focus();
      }
      clearError();
      if (scope()) store.set('scope', scope());
      else store.drop('scope');
      run();
    });
    syncId();
    run();
  }

  function statusView(status, policies) {
    const byId = new Map(((policies && policies.policies) || []).map((p) => [p.policy_id, p]));
    const ids = (list) => (list && list.length ? list.join(', ') : 'none');
    const kind = { ok: 'ok', warning: 'warning', limit_reached: 'bad' }[status.usage_status];
    const row = (label, value, testid) => [h('dt', {}, label), h('dd', { 'data-testid': testid }, value)];
    const rollup = h('section', { class: 'card' }, h('h3', {}, 'Roll-up'), h('dl', { class: 'figures' },
      row('Scope', status.scope ? `${status.scope.type}:${status.scope.id}` : '—'),
      row('Usage status', tag(status.usage_status || '—', kind), 'status-usage-status'),
      row('Exceeded', ids(status.exceeded), 'status-exceeded'),
      row('Warning', ids(status.warning), 'status-warning'),
      row('Highest use', status.highest_pct == null ? '—' : `${status.highest_pct} %`, 'status-highest-pct'),
      row('At', timeEl(status.at)),
      row('As of event', timeEl(status.as_of && status.as_of.event_time))), stale(status));
    const budgets = status.budgets || [];
    if (!budgets.length) return [rollup, muted('No budget applies to this scope.')];
    const key = (name, label) => [h('span', { class: 'key ' + name }), label + ' '];
    const legend = h('p', { class: 'legend muted' }, key('used', 'used'), key('held', 'held'), key('mark', 'threshold'), key('warn', 'soft limit'));
    return [rollup, legend, ...budgets.map((b) => budgetCard(b, byId.get(b.policy_id)))];
  }

  // Burn rate, projection and run-out date as the service answers them: the page computes no figure of its own.
  function project(budget) {
    let runOut = 'not before period end';
    if (budget.limit == null) runOut = 'no limit';
    else if (budget.runs_out_at) runOut = Date.parse(budget.runs_out_at);
    return { burn: big(budget.burn_rate_per_day), projected: big(budget.projected_at_period_end), runOut };
  }

  function budgetBar(budget, policy) {
    const used = big(budget.used), held = big(budget.held) || 0n, limit = big(budget.limit);
    const scale = maxBig(maxBig(used + held, limit || 0n), 1n);
    const x = (v) => ((Number(v) / Number(scale)) * 1000).toFixed(1);
    const mark = (v, cls) => s('line', { x1: x(v), x2: x(v), y1: 0, y2: 24, class: cls });
    const label = (v) => amountText(v, budget.metric);
    const svg = s('svg', {
      viewBox: '0 0 1000 24', preserveAspectRatio: 'none', class: 'budget-bar', role: 'img',
      'aria-label': `used ${label(used)}, held ${label(held)}, limit ${label(limit)}`,
    }, s('rect', { x: 0, y: 2, width: limit == null ? 1000 : x(limit), height: 20, class: 'track' }),
    s('rect', { x: 0, y: 2, width: x(used), height: 20, class: 'used' }),
    s('rect', { x: x(used), y: 2, width: x(held), height: 20, class: 'held' }));
    if (limit == null) return svg;
    const crossed = budget.breached_thresholds || [];
    for (const pct of (policy && policy.thresholds) || crossed) {
      const at = (limit * BigInt(pct)) / 100n;
      if (at <= scale) svg.append(mark(at, crossed.includes(pct) ? 'mark crossed' : 'mark'));
    }
    if (budget.warn_at != null) svg.append(mark(budget.warn_at, 'warn'));
    if (scale > limit) svg.append(mark(limit, 'limit'));
    return svg;
  }

  function budgetCard(budget, policy) {
    const id = budget.policy_id;
    const metric = budget.metric || 'cost_micros';
    const { burn, projected, runOut } = project(budget);
    const row = (label, value, testid) => [h('dt', {}, label), h('dd', { 'data-testid': testid }, value)];
    const figure = (label, value, key) => row(label, amount(value, metric, 'USD', key && `budget-${id}-${key}`));
    const crossed = budget.breached_thresholds || [];
    const marks = ((policy && policy.thresholds) || crossed).map((pct) => `${pct} %${crossed.includes(pct) ? ' (crossed)' : ''}`);
    return h('article', { class: 'card budget', 'data-testid': `budget-${id}` },
      h('h3', {}, budget.name || id, ' ', h('small', { class: 'muted' }, (budget.name ? id + ' · ' : '') + words(metric))),
      h('p', { class: 'tags' }, tag(budget.enforce === false ? 'not enforced' : 'enforced'),
        budget.active === false ? tag('paused', 'warning') : null, budget.pct == null ? null : tag(`${budget.pct} %`)),
      budgetBar(budget, policy),
      h('dl', { class: 'figures' },
        figure('Used', budget.used, 'used'),
        figure('Held', budget.held == null ? 0 : budget.held, 'held'),
        figure('Limit', budget.limit, 'limit'),
        figure('Remaining', budget.remaining, 'remaining')),
      h('dl', { class: 'figures' },
        figure('Burn rate per day', burn),
        figure('Projected at period end', projected),
        row('Runs out', typeof runOut === 'number' ? timeEl(runOut) : runOut, `budget-${id}-runs-out`),
        row('Period', span(budget.period_start, budget.period_end)),
        row('Days remaining', budget.days_remaining == null ? '—' : String(budget.days_remaining)),
        big(budget.late_adjustment) ? figure('Late usage of closed periods', budget.late_adjustment) : null,
        row('Thresholds', marks.join(', ') || '—')));
  }

  function breachesPage(ctx) {
    pageHead(ctx, 'Breaches', 'Threshold crossings of the last 30 days, newest first.');
    const now = Date.now();
    const range = { from: iso(now - 30 * DAY_MS), to: iso(now + DAY_MS) }; // fixed, so the page tokens stay valid
    const summary = muted('Loading…');
    const list = h('ol', { class: 'timeline', 'aria-label': 'Breaches' });
    const more = h('button', { type: 'button', hidden: true }, 'More');
    ctx.view.append(summary, list, more);
    const loaded = [];
    let pageToken = null;
    const next = () => track(ctx, async () => {
      more.disabled = true;
      try {
        const answer = await tenantApi('breaches', { ...range, limit: 50, page_token: pageToken });
        loaded.push(...(answer.breaches || []));
        pageToken = answer.next_page_token || null;
        summary.textContent = loaded.length ? `${loaded.length} shown${pageToken ? '; more are available' : ''}.` : 'No breaches in the last 30 days.';
        list.replaceChildren(...newestFirst(loaded).map(breachItem));
        more.hidden = !pageToken;
      } catch (e) {
        if (!loaded.length) summary.textContent = 'Not available: ' + e.message;
        throw e;
      } finally {
        more.disabled = false;
      }
    });
    more.addEventListener('click', next);
    next();
  }

  // The API pages oldest first; reversing before a stable sort keeps equal times newest first as well.
  const newestFirst = (breaches) => breaches.slice().reverse()
    .sort((a, b) => Date.parse(b.crossing_occurred_at) - Date.parse(a.crossing_occurred_at));

  function breachItem(breach, n) {
    const subject = breach.subject ? `${breach.subject.type}:${breach.subject.id} · ` : '';
    return h('li', { 'data-testid': `breach-${n}`, 'data-policy-id': breach.policy_id },
      timeEl(breach.crossing_occurred_at),
      h('h3', {}, `${breach.threshold} % of budget ${breach.policy_id} `, breach.found_by_import ? tag('found by import') : null),
      h('p', {}, subject + words(breach.metric)),
      h('p', {}, 'Used at crossing ', amount(breach.used_at_crossing, breach.metric), ' of ', amount(breach.limit, breach.metric)),
      h('p', {}, 'Crossing event ', h('code', {}, breach.crossing_event_id)),
      h('p', { class: 'muted' }, 'Period ' + span(breach.period_start, breach.period_end)));
  }

  function holdsPage(ctx) {
    pageHead(ctx, 'Holds', 'Open (placed) holds, newest first.');
    const box = card('Placed holds');
    ctx.view.append(box.el);
    load(ctx, box, async () => {
      const holds = (await tenantApi('holds', { state: 'placed', limit: 100 })).holds || [];
      if (!holds.length) return muted('No open holds.');
      timers.push(setInterval(tickCountdowns, 1000));
      return table(['Hold', 'Scope', 'Estimate', 'Expires at', 'Time left'], holds.map(holdRow));
    });
  }

  function holdRow(hold) {
    const expires = Date.parse(hold.expires_at);
    return h('tr', { 'data-testid': `hold-${hold.hold_id}`, 'data-micros': big(hold.estimate_cost_micros) },
      h('th', { scope: 'row' }, h('code', {}, hold.hold_id)),
      h('td', {}, scopeText(hold.scope)),
      h('td', { class: 'num' }, amount(hold.estimate_cost_micros, 'cost_micros')),
      h('td', {}, timeEl(hold.expires_at)),
      h('td', { 'data-expires': expires }, timeLeft(expires - Date.now())));
  }

  function scopeText(scope) {
    const parts = [];
    if (scope && scope.user_id) parts.push('user ' + scope.user_id);
    if (scope && scope.team_ids) parts.push('teams ' + scope.team_ids.join(', '));
    if (scope && scope.api_key_id) parts.push('key ' + scope.api_key_id);
    if (scope && scope.model) parts.push((scope.provider ? scope.provider + '/' : '') + scope.model);
    if (scope && scope.feature) parts.push('feature ' + scope.feature);
    return parts.join(' · ') || 'tenant ' + store.get('tenant');
  }

  function tickCountdowns() {
    for (const cell of main.querySelectorAll('[data-expires]')) cell.textContent = timeLeft(Number(cell.dataset.expires) - Date.now());
  }

  function healthPage(ctx) {
    pageHead(ctx, 'Health', 'How current the answers are, and what the ledger refused to count.');
    const [fresh, parts, rejected, ready] = ['Freshness of answers', 'Consumer lag', 'Rejected usage, last 30 days', 'Readiness']
      .map((title) => card(title));
    ctx.view.append(fresh.el, parts.el, rejected.el, ready.el);

    load(ctx, fresh, async () => {
      const answers = await Promise.allSettled([tenantApi('usage', { period: 'month', time_zone: zone() }), tenantApi('status')]);
      answers.forEach((a) => a.status === 'rejected' && ctx.fail(a.reason));
      return table(['Answer', 'As of (event time)', 'Age', 'Partition:offset', 'Behind (events)'],
        [freshnessRow('Usage report', 'health-usage', answers[0]), freshnessRow('Budget status', 'health-status', answers[1])]);
    });

    const health = tenantApi('health', { days: 30 });
    load(ctx, parts, async () => {
      const answer = await health;
      const row = (label, part, testid) => h('tr', {}, h('th', { scope: 'row' }, label),
        h('td', {}, h('code', {}, part.topic)),
        h('td', { class: 'num', 'data-testid': testid, 'data-records': part.behind_records }, count(part.behind_records)),
        h('td', { class: 'num' }, part.applied_offset == null ? '—' : `${answer.partition}:${part.applied_offset}`),
        h('td', {}, part.applied_event_time ? timeEl(part.applied_event_time) : 'none yet'));
      return table(['Part', 'Reads', 'Records not read yet', 'Applied up to', 'Last event applied'],
        [row('Enforcement', answer.enforcement, 'health-enforcement-behind'), row('Reporting', answer.reporting, 'health-reporting-behind')]);
    });

    load(ctx, rejected, async () => {
      const answer = (await health).rejected;
      const total = h('p', {}, h('strong', { 'data-testid': 'health-rejected-total', 'data-count': answer.total }, count(answer.total)),
        ` usage records rejected, ${answer.from_day} to ${answer.to_day} (UTC days); each is on the rejected topic with its reason.`);
      if (!answer.by_reason.length) return total;
      return [total, table(['Reason', 'Records'], answer.by_reason.map((r) => h('tr', {},
        h('th', { scope: 'row' }, h('code', {}, r.reason)),
        h('td', { class: 'num', 'data-testid': `health-rejected-${r.reason}`, 'data-count': r.count }, count(r.count)))))];
    });

    load(ctx, ready, async () => {
      const answer = await call('/ready', null, { auth: false });
      const body = answer.body && (answer.body.error || answer.body);
      return [h('p', { 'data-testid': 'health-ready' }, tag(answer.ok ? 'ready' : 'not ready', answer.ok ? 'ok' : 'bad'), `GET /ready: HTTP ${answer.status}`),
        body && typeof body === 'object' ? kvTable(body) : null];
    });
  }

  function freshnessRow(label, testid, settled) {
    const head = h('th', { scope: 'row' }, label);
    if (settled.status === 'rejected') return h('tr', {}, head, h('td', { colspan: 4 }, settled.reason.message));
    const asOf = settled.value.as_of || {};
    const when = asOf.event_time;
    const age = when ? Math.max(0, Math.floor((Date.now() - Date.parse(when)) / 1000)) : null;
    if (settled.value.stale) head.append(' ', tag('stale', 'warning'));
    return h('tr', {}, head,
      h('td', {}, when
        ? h('time', { datetime: when, title: fmtTime(when, { dateStyle: 'medium', timeStyle: 'medium' }), 'data-testid': `${testid}-as-of`, 'data-offset': asOf.offset }, when)
        : h('span', { 'data-testid': `${testid}-as-of` }, 'no event applied yet')),
      h('td', { class: 'num', 'data-testid': `${testid}-age` }, age == null ? '—' : `${age} s`),
      h('td', { class: 'num' }, asOf.offset == null ? '—' : `${asOf.partition}:${asOf.offset}`),
      h('td', { class: 'num' }, count(asOf.behind_events)));
  }

  const tzInput = $('#tz');
  tzInput.value = zone();
  tzInput.addEventListener('change', () => {
    const name = tzInput.value.trim();
    if (!validZone(name)) return showError({ message: `Unknown time zone '${name}'; choose an IANA zone such as Europe/Berlin.` });
    store.set('tz', name);
    if (store.get('token')) route(false);
    else clearError();
  });
  $('#sign-out').addEventListener('click', () => {
    dropSession();
    clearError();
    signInView();
    $('#token').focus();
  });
  window.addEventListener('hashchange', () => route(true));
  route(false);
})();
