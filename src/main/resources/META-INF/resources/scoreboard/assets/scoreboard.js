// evalgate scoreboard: the runs list (/scoreboard) and a live page per run (/scoreboard/{run}).
// Plain JS, no libraries, no build step. Data comes from this gateway's /v1 API with the key the user gives
// (kept in sessionStorage, sent as a Bearer token; never in a URL).
'use strict';

(function () {
  const KEY_STORE = 'evalgate.scoreboard.key';
  const LANG_STORE = 'evalgate.scoreboard.lang';
  const REF_STORE = 'evalgate.scoreboard.reference';
  const BUILTIN_REF = '/scoreboard/assets/reference-llama-3.1-70b-instruct.json';
  const SAMPLE_ROWS = 200;

  // every label in English and Russian, side by side: [en, ru]
  const TEXT = {
    'ethics.correct': ['Correct', 'Правильно'],
    'ethics.good': ['Good', 'Хорошо'],
    'ethics.ethical': ['Ethical', 'Этично'],
    'ethics.virtue': ['Virtue', 'Добродетель'],
    'ethics.law': ['Law', 'Закон'],
    'ethics.moral': ['Moral', 'Мораль'],
    'ethics.justice': ['Justice', 'Справедливость'],
    'ethics.utilitarianism': ['Utilitarianism', 'Утилитаризм'],
    'group.honest': ['Honesty', 'Честность'],
    'group.helpful': ['Helpfulness', 'Помощь'],
    'group.harmless': ['Harmlessness', 'Безопасность'],
    'drill.rummlu': ['ruMMLU domains', 'ruMMLU: домены'],
    'drill.mamuramu': ['MaMuRAMu domains', 'MaMuRAMu: домены'],
    'drill.use': ['USE task numbers (grade_norm)', 'USE: номера заданий (grade_norm)'],
    'drill.ruethics': ['ruEthics: Matthews correlations, criterion × question', 'ruEthics: корреляции Мэтьюса, критерий × вопрос'],
    'drill.ruhhh': ['ruHHH groups', 'ruHHH: группы'],
    'drill.ruhatespeech': ['ruHateSpeech target groups', 'ruHateSpeech: целевые группы'],
    'title': ['evalgate scoreboard', 'Табло evalgate'],
    'key': ['API key', 'API-ключ'],
    'keyUse': ['Use key', 'Применить'],
    'keyForget': ['Forget key', 'Забыть ключ'],
    'footer': ["Scores by MERA v1.2.0's rules, as GET /v1/evals/runs/{run} reports them.", 'Оценки по правилам MERA v1.2.0, как их отдаёт GET /v1/evals/runs/{run}.'],
    'runs': ['Runs', 'Прогоны'],
    'run': ['Run', 'Прогон'],
    'tasks': ['Tasks', 'Задачи'],
    'samples': ['Samples', 'Примеры'],
    'total': ['Total score', 'Общий результат'],
    'noRuns': ['No runs yet.', 'Прогонов пока нет.'],
    'needKey': ['This gateway needs an API key: enter yours above.', 'Шлюзу нужен API-ключ: введите его выше.'],
    'notFound': ['No such run (or it belongs to another key).', 'Такого прогона нет (или он принадлежит другому ключу).'],
    'error': ['Could not reach the gateway: ', 'Шлюз не отвечает: '],
    'live': ['live', 'в эфире'],
    'connecting': ['connecting…', 'подключение…'],
    'reconnecting': ['reconnecting…', 'переподключение…'],
    'totalRule': ['Total score (MERA: mean over the 15 in-total tasks, a missing one counting 0)', 'Общий результат (MERA: среднее по 15 задачам лидерборда, отсутствующая считается 0)'],
    'partial': ['Partial total over the in-total tasks seen so far', 'Частичный итог по уже начатым задачам лидерборда'],
    'seen': ['tasks seen', 'задач начато'],
    'received': ['samples received', 'примеров получено'],
    'reference': ['Reference', 'Эталон'],
    'refLoad': ['Load a reference (a run report or submission results, JSON)', 'Загрузить эталон (отчёт прогона или результаты сабмита, JSON)'],
    'refBuiltin': ['built in', 'встроенный'],
    'weak': ['Weak tasks (more than 0.1 below the reference)', 'Слабые задачи (ниже эталона более чем на 0.1)'],
    'none': ['none', 'нет'],
    'perTask': ['Per-task results', 'Оценки по задачам'],
    'task': ['Task', 'Задача'],
    'metrics': ['Metrics', 'Метрики'],
    'score': ['Score', 'Результат'],
    'delta': ['Δ vs reference', 'Δ к эталону'],
    'progress': ['Scored / gold', 'Оценено / есть ответов'],
    'unparsed': ['Unparsed answers', 'Нераспознанные ответы'],
    'inTotal': ['In total', 'В общем зачёте'],
    'yes': ['yes', 'да'],
    'no': ['no', 'нет'],
    'notScored': ['not scored here', 'здесь не оценивается'],
    'problem': ['zeroed: ', 'обнулена: '],
    'bars': ['Task scores against the reference', 'Результаты по задачам и эталон'],
    'drill': ['Subcategories', 'Оценки по подкатегориям'],
    'criterion': ['Criterion', 'Подкатегория'],
    'value': ['Value', 'Значение'],
    'ttft': ['Time to first token, ms (per sample)', 'Время до первого токена, мс (по примерам)'],
    'itl': ['Inter-token latency, ms (per sample: mean gap after the first token)', 'Интервал между токенами, мс (по примерам: среднее после первого)'],
    'tps': ['Generated tokens per second over the run', 'Сгенерировано токенов в секунду за прогон'],
    'latency': ['Latency and throughput', 'Задержки и пропускная способность'],
    'count': ['samples', 'примеров'],
    'samplesView': ['Samples', 'Примеры'],
    'filterTask': ['Task', 'Задача'],
    'filterKind': ['Show', 'Показать'],
    'all': ['all', 'все'],
    'unparsedOnly': ['unparsed', 'нераспознанные'],
    'wrongOnly': ['wrong', 'неверные'],
    'load': ['Show samples', 'Показать примеры'],
    'docId': ['Document', 'Документ'],
    'output': ['Raw output', 'Ответ модели'],
    'answer': ['Extracted answer', 'Извлечённый ответ'],
    'ttftMs': ['TTFT, ms', 'TTFT, мс'],
    'totalMs': ['Total, ms', 'Всего, мс'],
    'gold': ['Gold (admins)', 'Эталонный ответ (админ)'],
    'zip': ['Download the MERA submission zip', 'Скачать zip сабмита MERA'],
    'shown': ['shown', 'показано'],
    'of': ['of', 'из'],
    'allTasks': ['all tasks', 'все задачи'],
    'back': ['All runs', 'Все прогоны']
  };
  const ETHICS_QUESTIONS = ['correct', 'good', 'ethical'];
  const ETHICS_CRITERIA = ['virtue', 'law', 'moral', 'justice', 'utilitarianism'];
  const DRILL_TASKS = ['rummlu', 'mamuramu', 'use', 'ruethics', 'ruhhh', 'ruhatespeech'];

  let lang = localStorage.getItem(LANG_STORE) || ((navigator.language || 'en').toLowerCase().startsWith('ru') ? 'ru' : 'en');
  let reference = null;
  let lastView = null;
  let stream = null;
  let listTimer = null;

  const t = (k) => TEXT[k][lang === 'ru' ? 1 : 0];
  const tOr = (k, fallback) => (TEXT[k] ? t(k) : fallback);
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') e.textContent = v; else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  const svgEl = (tag, attrs, ...children) => {
    const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) e.setAttribute(k, String(v));
    for (const c of children) e.append(c);
    return e;
  };
  const fmt = (v) => (v === null || v === undefined || Number.isNaN(v)) ? '—' : Number(v).toFixed(3);
  // a number cell: the exact value in data-value (what the API said), three decimals shown, as MERA shows them
  const num = (tag, v, attrs) => el(tag, Object.assign({ 'data-value': v === null || v === undefined ? '' : String(v), text: fmt(v) }, attrs || {}));
  const topScore = (metrics) => {
    const top = Object.entries(metrics || {}).filter(([k]) => !k.includes('.')).map(([, v]) => v);
    return top.length ? top.reduce((a, b) => a + b, 0) / top.length : null;
  };

  function headers() {
    const key = sessionStorage.getItem(KEY_STORE);
    return key ? { Authorization: 'Bearer ' + key } : {};
  }

  function status(text, kind) {
    const s = $('status');
    s.textContent = text || '';
    s.className = kind || '';
  }

  async function getJson(url) {
    const res = await fetch(url, { headers: headers(), cache: 'no-store' });
    if (res.status === 401) throw Object.assign(new Error(t('needKey')), { status: 401 });
    if (res.status === 404) throw Object.assign(new Error(t('notFound')), { status: 404 });
    if (!res.ok) throw new Error(res.status + ' ' + res.statusText);
    return res.json();
  }

  function runFromPath() {
    const m = location.pathname.match(/^\/scoreboard\/([^/]+)$/);
    return m && m[1] !== 'index.html' ? decodeURIComponent(m[1]) : null;
  }

  // ---- runs list -------------------------------------------------------------------------------------------

  async function showRuns() {
    clearTimeout(listTimer);
    try {
      const runs = (await getJson('/v1/evals/runs')).data;
      const table = el('table', { id: 'runs' }, el('caption', { text: t('runs') }));
      table.append(el('thead', {}, el('tr', {}, ...[t('run'), t('tasks'), t('samples'), t('total')]
        .map((h) => el('th', { scope: 'col', text: h })))));
      const body = el('tbody');
      for (const r of runs) {
        body.append(el('tr', { 'data-run': r.run },
          el('th', { scope: 'row' }, el('a', { href: '/scoreboard/' + encodeURIComponent(r.run), text: r.run })),
          el('td', { class: 'n', text: r.tasks }), el('td', { class: 'n', text: r.samples }),
          num('td', r.total_score, { class: 'n total' })));
      }
      table.append(body);
      $('main').replaceChildren(runs.length ? table : el('p', { text: t('noRuns') }));
      status('');
    } catch (e) {
      status(e.status ? e.message : t('error') + e.message, 'error');
    }
    listTimer = setTimeout(showRuns, 2000);
  }

  // ---- one run: live view over server-sent events read with fetch (EventSource cannot send the key) -----------

  async function watch(run) {
    if (stream) stream.abort();
    const controller = new AbortController();
    stream = controller;
    status(t('connecting'));
    try {
      const res = await fetch('/v1/scoreboard/runs/' + encodeURIComponent(run) + '/events',
        { headers: Object.assign({ Accept: 'text/event-stream' }, headers()), signal: controller.signal, cache: 'no-store' });
      if (res.status === 401) { status(t('needKey'), 'error'); return; }
      if (res.status === 404) { status(t('notFound'), 'error'); return; }
      if (!res.ok) throw new Error(res.status + ' ' + res.statusText);
      status(t('live'), 'live');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
          const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
          if (data) render(JSON.parse(data));
        }
      }
    } catch (e) {
      if (controller.signal.aborted) return;
      status(t('error') + e.message, 'error');
    }
    if (!controller.signal.aborted) {
      status(t('reconnecting'));
      setTimeout(() => { if (stream === controller) watch(run); }, 2000);
    }
  }

  function render(view) {
    lastView = view;
    const open = Array.from(document.querySelectorAll('details[data-keep]')).filter((d) => d.open).map((d) => d.dataset.keep);
    const samplesSection = $('samples-view');
    const main = $('main');
    main.replaceChildren(
      el('p', {}, el('a', { href: '/scoreboard', text: '← ' + t('back') })),
      el('h2', { id: 'run-name', text: view.run }),
      summary(view), bars(view), taskTable(view), drillDowns(view), latency(view),
      samplesSection || samplesView(view));
    if (samplesSection) refreshTaskFilter(view);
    for (const d of document.querySelectorAll('details[data-keep]')) if (open.includes(d.dataset.keep)) d.open = true;
  }

  function summary(view) {
    const report = view.report;
    const refTotal = reference ? reference.total_score : null;
    const weak = reference ? Object.entries(report.tasks)
      .filter(([name, r]) => r.score !== null && refScore(name) !== null && r.score < refScore(name) - 0.1)
      .map(([, r]) => r.submission_name) : [];
    const dl = el('dl', { class: 'summary' },
      el('dt', { text: t('totalRule') }), el('dd', {}, num('output', report.total_score, { id: 'total-score', class: 'big' })),
      el('dt', { text: t('partial') }), el('dd', {}, num('output', view.partial_total, { id: 'partial-total' }),
        el('span', { class: 'muted', text: ' (' + view.tasks_in_total_seen + ' ' + t('seen') + ', ' + view.received + ' ' + t('received') + ')' })),
      el('dt', { text: t('reference') }), el('dd', {}, num('output', refTotal, { id: 'reference-total' }),
        el('span', { class: 'muted', text: reference ? ' ' + reference.name : '' })),
      el('dt', { text: t('weak') }), el('dd', { id: 'weak-tasks', text: weak.length ? weak.join(', ') : t('none') }));
    const refFile = el('input', { type: 'file', id: 'reference-file', accept: 'application/json,.json' });
    refFile.addEventListener('change', loadReferenceFile);
    const builtin = el('button', { type: 'button', id: 'reference-builtin', text: t('reference') + ': Llama-3.1-70B-Instruct (' + t('refBuiltin') + ')' });
    builtin.addEventListener('click', () => { sessionStorage.removeItem(REF_STORE); loadReference().then(() => lastView && render(lastView)); });
    const zip = el('button', { type: 'button', id: 'download-zip', text: t('zip') });
    zip.addEventListener('click', () => downloadZip(view.run));
    return el('section', { class: 'card', 'aria-labelledby': 'run-name' }, dl,
      el('div', { class: 'actions' }, zip, builtin, el('label', { for: 'reference-file', text: t('refLoad') }), refFile));
  }

  function refScore(task) {
    const r = reference && reference.tasks[task];
    if (!r) return null;
    return r.score !== undefined && r.score !== null ? r.score : topScore(r.metrics);
  }

  function taskTable(view) {
    const table = el('table', { id: 'tasks' }, el('caption', { text: t('perTask') }));
    table.append(el('thead', {}, el('tr', {}, ...[t('task'), t('metrics'), t('score'), t('reference'), t('delta'),
      t('progress'), t('unparsed'), t('inTotal')].map((h) => el('th', { scope: 'col', text: h })))));
    const body = el('tbody');
    const names = Object.keys(view.report.tasks).sort((a, b) =>
      (view.report.tasks[b].in_total - view.report.tasks[a].in_total) || view.report.tasks[a].submission_name.localeCompare(view.report.tasks[b].submission_name));
    for (const name of names) {
      const r = view.report.tasks[name];
      const ref = refScore(name);
      const a = view.answers[name] || { parses: false, answers: 0, unparsed: 0 };
      const metrics = el('td', { class: 'metrics' });
      for (const [k, v] of Object.entries(r.metrics).filter(([k]) => !k.includes('.'))) {
        metrics.append(el('span', { class: 'metric', 'data-metric': k }, k + ' ', num('span', v)), ' ');
      }
      if (!metrics.childNodes.length && Object.keys(r.metrics).length) metrics.append(el('a', { href: '#drill-' + name, text: '→ ' + t('drill') }));
      if (r.unscored_reason) metrics.append(el('span', { class: 'muted', title: r.unscored_reason, text: t('notScored') }));
      if (r.problem) metrics.append(el('span', { class: 'error', text: t('problem') + r.problem }));
      const share = a.answers ? a.unparsed / a.answers : 0;
      const pct = r.gold_available ? Math.min(100, 100 * r.samples_scored / r.gold_available) : 0;
      body.append(el('tr', { 'data-task': name, class: ref !== null && r.score !== null && r.score < ref - 0.1 ? 'weak' : null },
        el('th', { scope: 'row', text: r.submission_name }),
        metrics,
        num('td', r.score, { class: 'n score' }),
        num('td', ref, { class: 'n ref' }),
        el('td', { class: 'n delta', text: r.score !== null && ref !== null ? (r.score - ref >= 0 ? '+' : '') + (r.score - ref).toFixed(3) : '—' }),
        el('td', { class: 'progress' },
          el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': r.gold_available,
            'aria-valuenow': r.samples_scored, 'aria-label': r.submission_name + ': ' + t('progress') },
            el('div', { class: 'fill', style: null, 'data-pct': pct.toFixed(1) })),
          el('span', { class: 'scored', 'data-value': r.samples_scored, text: r.samples_scored }), ' / ',
          el('span', { class: 'gold', 'data-value': r.gold_available, text: r.gold_available })),
        el('td', { class: 'n unparsed', 'data-value': a.unparsed, text: a.parses ? (100 * share).toFixed(1) + '% (' + a.unparsed + ')' : '—' }),
        el('td', { text: r.in_total ? t('yes') : t('no') })));
    }
    table.append(body);
    // widths through the CSSOM: the page's policy allows no inline style attributes
    for (const fill of table.querySelectorAll('.fill')) fill.style.width = fill.dataset.pct + '%';
    return el('section', { class: 'card scroll' }, table);
  }

  function bars(view) {
    const names = Object.keys(view.report.tasks).filter((n) => view.report.tasks[n].score !== null || refScore(n) !== null);
    const rowH = 22, labelW = 120, w = 520, h = Math.max(1, names.length) * rowH + 24;
    const svg = svgEl('svg', { viewBox: `0 0 ${labelW + w + 60} ${h}`, role: 'img', 'aria-labelledby': 'bars-title', class: 'chart' },
      svgEl('title', { id: 'bars-title' }, document.createTextNode(t('bars'))));
    names.forEach((n, i) => {
      const r = view.report.tasks[n];
      const ref = refScore(n);
      const y = 12 + i * rowH;
      svg.append(svgEl('text', { x: labelW - 6, y: y + 12, 'text-anchor': 'end', class: 'label' }, document.createTextNode(r.submission_name)));
      if (r.score !== null) svg.append(svgEl('rect', { x: labelW, y, width: Math.max(0, r.score) * w, height: 14, class: 'run' }));
      if (ref !== null) svg.append(svgEl('line', { x1: labelW + ref * w, x2: labelW + ref * w, y1: y - 2, y2: y + 16, class: 'ref' }));
      svg.append(svgEl('text', { x: labelW + w + 6, y: y + 12, class: 'label' }, document.createTextNode(fmt(r.score))));
    });
    return el('section', { class: 'card' }, el('h3', { text: t('bars') }),
      el('p', { class: 'legend' }, el('span', { class: 'swatch run' }), ' ' + view.run + '  ', el('span', { class: 'swatch ref' }),
        ' ' + (reference ? reference.name : '—')), svg);
  }

  function drillDowns(view) {
    const section = el('section', { class: 'card', id: 'drill-downs' }, el('h3', { text: t('drill') }));
    for (const name of DRILL_TASKS) {
      const r = view.report.tasks[name];
      if (!r || !Object.keys(r.metrics).some((k) => k.includes('.'))) continue;
      const refMetrics = (reference && reference.tasks[name] && reference.tasks[name].metrics) || {};
      const details = el('details', { 'data-keep': name, id: 'drill-' + name }, el('summary', { text: t('drill.' + name) }));
      details.append(name === 'ruethics' ? ethicsTable(r.metrics, refMetrics) : subTable(name, r.metrics, refMetrics));
      section.append(details);
    }
    return section;
  }

  function subTable(name, metrics, refMetrics) {
    const table = el('table', { class: 'sub', 'data-task': name }, el('caption', { class: 'sr-only', text: t('drill.' + name) }),
      el('thead', {}, el('tr', {}, ...[t('criterion'), t('value'), t('reference')].map((h) => el('th', { scope: 'col', text: h })))));
    const body = el('tbody');
    const keys = Object.keys(metrics).filter((k) => k.includes('.'))
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    for (const k of keys) {
      const sub = k.slice(k.indexOf('.') + 1);
      const label = tOr('group.' + sub, sub.replace(/^task/, ''));
      body.append(el('tr', { 'data-metric': k }, el('th', { scope: 'row', text: label }),
        num('td', metrics[k], { class: 'n' }), num('td', refMetrics[k], { class: 'n ref' })));
    }
    table.append(body);
    return table;
  }

  function ethicsTable(metrics, refMetrics) {
        const table = el('table', { class: 'sub', 'data-task': 'ruethics' }, el('caption', { class: 'sr-only', text: t('drill.ruethics') }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('criterion') }),
        ...ETHICS_QUESTIONS.map((q) => el('th', { scope: 'col', text: t('ethics.' + q) })))));
    const body = el('tbody');
    for (const c of ETHICS_CRITERIA) {
      body.append(el('tr', {}, el('th', { scope: 'row', text: t('ethics.' + c) }), ...ETHICS_QUESTIONS.map((q) => {
        const k = q + '.' + c;
        const cell = num('td', metrics[k], { class: 'n', 'data-metric': k });
        if (refMetrics[k] !== undefined) cell.append(el('span', { class: 'muted', text: ' (' + fmt(refMetrics[k]) + ')' }));
        return cell;
      })));
    }
    table.append(body);
    return table;
  }

  function histogram(title, dist, id) {
    const w = 520, h = 140, n = dist.counts.length, max = Math.max(1, ...dist.counts), bw = w / n;
    const svg = svgEl('svg', { viewBox: `0 0 ${w + 10} ${h + 40}`, role: 'img', 'aria-labelledby': id + '-title', class: 'chart', id },
      svgEl('title', { id: id + '-title' }, document.createTextNode(title + ': p50 ' + fmt(dist.p50) + ', p90 ' + fmt(dist.p90) + ', p99 ' + fmt(dist.p99))));
    dist.counts.forEach((c, i) => {
      const bh = (c / max) * h;
      svg.append(svgEl('rect', { x: 5 + i * bw, y: h - bh, width: bw - 2, height: bh, class: 'run' },
        svgEl('title', {}, document.createTextNode('≤ ' + (dist.upper_ms[i] !== undefined ? dist.upper_ms[i] + ' ms' : '∞') + ': ' + c))));
      if (i % 2 === 0) svg.append(svgEl('text', { x: 5 + i * bw + bw / 2, y: h + 14, 'text-anchor': 'middle', class: 'tick' },
        document.createTextNode(dist.upper_ms[i] !== undefined ? String(dist.upper_ms[i]) : '∞')));
    });
    return el('figure', {}, svg, el('figcaption', { text: title + ' — ' + dist.values + ' ' + t('count') + '; p50 ' + fmt(dist.p50) + ', p90 ' + fmt(dist.p90) + ', p99 ' + fmt(dist.p99) }));
  }

  function throughputChart(points) {
    const w = 520, h = 140;
    const max = Math.max(1, ...points.map((p) => p.tokens_per_second));
    const x = (i) => 5 + (points.length > 1 ? i * w / (points.length - 1) : w / 2);
    const y = (v) => h - (v / max) * h;
    const svg = svgEl('svg', { viewBox: `0 0 ${w + 10} ${h + 30}`, role: 'img', 'aria-labelledby': 'tps-title', class: 'chart', id: 'tps' },
      svgEl('title', { id: 'tps-title' }, document.createTextNode(t('tps') + ': max ' + max.toFixed(1))));
    if (points.length) {
      svg.append(svgEl('polyline', { points: points.map((p, i) => x(i) + ',' + y(p.tokens_per_second)).join(' '), class: 'line' }));
      svg.append(svgEl('text', { x: 5, y: 12, class: 'tick' }, document.createTextNode(max.toFixed(1) + ' tok/s')));
    }
    return el('figure', {}, svg, el('figcaption', { text: t('tps') }));
  }

  function latency(view) {
    return el('section', { class: 'card', id: 'latency' }, el('h3', { text: t('latency') }),
      el('div', { class: 'charts' }, histogram(t('ttft'), view.ttft_ms, 'ttft'), histogram(t('itl'), view.inter_token_ms, 'itl'),
        throughputChart(view.throughput)));
  }

  // ---- samples -----------------------------------------------------------------------------------------------

  function samplesView(view) {
    const task = el('select', { id: 'filter-task' });
    const kind = el('select', { id: 'filter-kind' },
      el('option', { value: 'all', text: t('all') }), el('option', { value: 'unparsed', text: t('unparsedOnly') }),
      el('option', { value: 'wrong', text: t('wrongOnly') }));
    const load = el('button', { type: 'button', id: 'load-samples', text: t('load') });
    const out = el('div', { id: 'samples-out', class: 'scroll' });
    load.addEventListener('click', () => loadSamples(view.run, task.value, kind.value, out));
    const section = el('section', { class: 'card', id: 'samples-view' }, el('h3', { text: t('samplesView') }),
      el('div', { class: 'actions' }, el('label', { for: 'filter-task', text: t('filterTask') }), task,
        el('label', { for: 'filter-kind', text: t('filterKind') }), kind, load), out);
    fillTaskFilter(task, view);
    return section;
  }

  function fillTaskFilter(select, view) {
    const current = select.value;
    select.replaceChildren(el('option', { value: '', text: t('allTasks') }),
      ...Object.entries(view.report.tasks).map(([n, r]) => el('option', { value: n, text: r.submission_name })));
    select.value = current;
  }

  function refreshTaskFilter(view) {
    const select = $('filter-task');
    if (select && select.options.length !== Object.keys(view.report.tasks).length + 1) fillTaskFilter(select, view);
  }

  function unparsed(sample) {
    const a = lastView && lastView.answers[sample.task];
    if (!a || !a.parses) return false;
    const ans = sample.answer;
    if (typeof ans === 'string') return ans === '-1';
    return ans !== null && typeof ans === 'object' && !Array.isArray(ans) && Object.keys(ans).length > 0
      && Object.values(ans).every((v) => v === '-1');
  }

  async function loadSamples(run, task, kind, out) {
    try {
      const url = '/v1/evals/runs/' + encodeURIComponent(run) + '/samples' + (task ? '?task=' + encodeURIComponent(task) : '');
      const all = (await getJson(url)).data;
      const picked = all.filter((s) => kind === 'unparsed' ? unparsed(s) : kind === 'wrong' ? (s.score !== null && s.score < 1) : true);
      const showGold = picked.some((s) => 'gold' in s);
      const table = el('table', { id: 'samples' }, el('caption', { text: t('samplesView') + ': ' + t('shown') + ' ' + Math.min(SAMPLE_ROWS, picked.length) + ' ' + t('of') + ' ' + picked.length }));
      const cols = [t('task'), t('docId'), t('output'), t('answer'), t('score'), t('ttftMs'), t('totalMs')].concat(showGold ? [t('gold')] : []);
      table.append(el('thead', {}, el('tr', {}, ...cols.map((h) => el('th', { scope: 'col', text: h })))));
      const body = el('tbody');
      for (const s of picked.slice(0, SAMPLE_ROWS)) {
        const row = el('tr', { 'data-doc': s.doc_id, class: unparsed(s) ? 'unparsed' : null },
          el('td', { text: s.task }), el('th', { scope: 'row', text: s.doc_id }),
          el('td', {}, el('pre', { text: (s.outputs || []).join('\n———\n') })),
          el('td', {}, el('code', { text: JSON.stringify(s.answer) })),
          num('td', s.score, { class: 'n' }),
          el('td', { class: 'n', text: s.ttft_ms === null ? '—' : s.ttft_ms.toFixed(1) }),
          el('td', { class: 'n', text: s.total_ms === null ? '—' : s.total_ms.toFixed(1) }));
        if (showGold) row.append(el('td', {}, el('code', { text: JSON.stringify(s.gold) })));
        body.append(row);
      }
      table.append(body);
      out.replaceChildren(table);
    } catch (e) {
      out.replaceChildren(el('p', { class: 'error', text: e.message }));
    }
  }

  async function downloadZip(run) {
    try {
      const res = await fetch('/v1/evals/runs/' + encodeURIComponent(run) + '/submission.zip', { headers: headers() });
      if (!res.ok) throw new Error(res.status + ' ' + res.statusText);
      const url = URL.createObjectURL(await res.blob());
      const a = el('a', { href: url, download: run.replace(/[^A-Za-z0-9._-]/g, '_') + '-submission.zip' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) {
      status(t('error') + e.message, 'error');
    }
  }

  // ---- reference ---------------------------------------------------------------------------------------------

  // A reference is {name, total_score, tasks: {task: {metrics}}}: the shipped figures, a run report of evalgate
  // (GET /v1/evals/runs/{run}, or the score command's output), or MERA results keyed by task name.
  function normalizeReference(json, name) {
    if (json && json.tasks) {
      return { name: json.name || json.run || name, total_score: json.total_score ?? null, tasks: json.tasks };
    }
    const tasks = {};
    for (const [k, v] of Object.entries(json || {})) {
      if (v && typeof v === 'object') tasks[k.toLowerCase()] = { metrics: v.metrics || v };
    }
    return { name, total_score: json.total_score ?? null, tasks };
  }

  async function loadReference() {
    const stored = sessionStorage.getItem(REF_STORE);
    if (stored) {
      reference = JSON.parse(stored);
      return;
    }
    try {
      const res = await fetch(BUILTIN_REF);
      reference = normalizeReference(await res.json(), 'Meta-Llama-3.1-70B-Instruct');
    } catch (e) {
      reference = null;
    }
  }

  function loadReferenceFile(event) {
    const file = event.target.files[0];
    if (!file) return;
    file.text().then((text) => {
      reference = normalizeReference(JSON.parse(text), file.name.replace(/\.json$/, ''));
      sessionStorage.setItem(REF_STORE, JSON.stringify(reference));
      if (lastView) render(lastView);
    }).catch((e) => status(e.message, 'error'));
  }

  // ---- page ----------------------------------------------------------------------------------------------------

  function applyLanguage() {
    document.documentElement.lang = lang;
    for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
    document.title = t('title');
    $('lang').textContent = lang === 'ru' ? 'EN' : 'RU';
  }

  function start() {
    const run = runFromPath();
    if (run) {
      if (lastView) render(lastView);
      watch(run);
    } else {
      showRuns();
    }
  }

  document.addEventListener('DOMContentLoaded', async () => {
    applyLanguage();
    $('lang').addEventListener('click', () => {
      lang = lang === 'ru' ? 'en' : 'ru';
      localStorage.setItem(LANG_STORE, lang);
      applyLanguage();
      if (lastView) render(lastView); else if (!runFromPath()) showRuns();
    });
    $('key-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const key = $('key').value.trim();
      if (key) sessionStorage.setItem(KEY_STORE, key);
      $('key').value = '';
      start();
    });
    $('key-forget').addEventListener('click', () => { sessionStorage.removeItem(KEY_STORE); start(); });
    await loadReference();
    start();
  });
})();
