// Markdown table and SVG chart of the benchmark's medians.

const ROWS = [
  { key: 'S1.cpuPer10k', label: 'S1 relay CPU s per 10 000 tokens', digits: 3, cpu: true },
  { key: 'S2.cpuPer10k', label: 'S2 relay CPU s per 10 000 tokens', digits: 3, cpu: true },
  { key: 'S2.tokensPerSecond', label: 'S2 throughput (tokens/s)', digits: 0, higher: true },
  { key: 'S3.cpuPer10k', label: 'S3 relay CPU s per 10 000 tokens', digits: 3, cpu: true },
  { key: 'S3.ttftP50', label: 'S3 time to first event p50 (ms)', digits: 1 },
  { key: 'S3.ttftP99', label: 'S3 time to first event p99 (ms)', digits: 1 },
  { key: 'S3.addedGapP99', label: 'S3 p99 gap added beyond 20 ms (ms)', digits: 1 },
  { key: 'S3.peakRssMiB', label: 'S3 peak RSS (MiB)', digits: 0 },
  { key: 'S3.rssPerStreamKiB', label: 'S3 RSS per open stream (KiB)', digits: 0 },
  { key: 'S4.closedWithin1sPct', label: 'S4 upstream closed within 1 s of the cut (%)', digits: 0, higher: true },
  { key: 'S4.closeDelayMedianMs', label: 'S4 median close delay (ms)', digits: 1 },
  { key: 'S5.capacity', label: 'S5 capacity (streams, p99 added gap < 10 ms)', digits: 0, higher: true },
  { key: 'S6.ttftP50', label: 'S6 time to first event, light load, p50 (ms)', digits: 2 },
  { key: 'S6.ttftP99', label: 'S6 time to first event, light load, p99 (ms)', digits: 2 },
];

const ERROR_KEYS = ['S1.errors', 'S2.errors', 'S3.errors', 'S4.errors', 'S6.errors'];

function fmt(value, digits) {
  if (typeof value !== 'number' || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return '∞';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '–';
  return `${(a / b).toFixed(2)}×`;
}

function relayLabel(report, id) {
  return report.relays.find((r) => r.id === id)?.label ?? id;
}

/** Checks the targets of issue 6 for one library variant against NestJS `@Sse()` + SDK. */
export function checkTargets(report, libraryId, baseId = 'nest-sdk') {
  const lib = report.medians[libraryId];
  const base = report.medians[baseId];
  if (!lib) return [];
  const checks = [];
  const add = (target, ok, value) => checks.push({ target, ok, value });
  if (base) {
    for (const key of ['S1.cpuPer10k', 'S2.cpuPer10k', 'S3.cpuPer10k']) {
      if (!(key in lib) || !(key in base)) continue;
      const r = lib[key] / base[key];
      add(`${key.split('.')[0]} CPU per token ≤ 1.0× NestJS @Sse() + SDK (stretch 0.8×)`, r <= 1.0, `${r.toFixed(2)}×${r <= 0.8 ? ' (stretch met)' : ''}`);
    }
    if ('S5.capacity' in lib && 'S5.capacity' in base) {
      // when not even the lowest step passes for either, the run says nothing about capacity
      const inconclusive = lib['S5.capacity'] === 0 && base['S5.capacity'] === 0;
      add(
        'Capacity ≥ NestJS @Sse() + SDK',
        inconclusive ? null : lib['S5.capacity'] >= base['S5.capacity'],
        `${lib['S5.capacity']} vs ${base['S5.capacity']}${inconclusive ? ' (neither passed the lowest step: not measured on this run)' : ''}`,
      );
    }
    if ('S6.ttftP50' in lib && 'S6.ttftP50' in base) {
      const d = lib['S6.ttftP50'] - base['S6.ttftP50'];
      add('Time to first event at light load ≤ NestJS @Sse() + SDK + 2 ms (p50)', d <= 2, `${d >= 0 ? '+' : ''}${d.toFixed(2)} ms`);
    }
  }
  if ('S3.rssPerStreamKiB' in lib) add('RSS per open stream ≤ 100 KB', lib['S3.rssPerStreamKiB'] <= 100, `${fmt(lib['S3.rssPerStreamKiB'], 0)} KiB`);
  if ('S4.closedWithin1sPct' in lib)
    add('100 % of cut connections close upstream within 1 s', lib['S4.closedWithin1sPct'] >= 100, `${fmt(lib['S4.closedWithin1sPct'], 0)} %`);
  if ('S4.closeDelayMedianMs' in lib)
    add('Median upstream close delay < 50 ms', lib['S4.closeDelayMedianMs'] < 50, `${fmt(lib['S4.closeDelayMedianMs'], 1)} ms`);
  return checks;
}

/** Issue 11: a provider driver's relay CPU per token ≤ 1.15× the OpenAI driver's (the `library` relay), in one run. */
export const PROVIDER_CPU_TARGET = 1.15;

/** Ratios of each provider relay (a relay with `provider`) to the OpenAI `library` relay, CPU per token in S1–S3. */
export function checkProviderTargets(report) {
  const base = report.medians.library;
  const checks = [];
  if (!base) return checks;
  for (const relay of report.relays.filter((r) => r.provider)) {
    const mine = report.medians[relay.id];
    for (const key of ['S1.cpuPer10k', 'S2.cpuPer10k', 'S3.cpuPer10k']) {
      if (!mine || !(key in mine) || !(key in base)) continue;
      const r = mine[key] / base[key];
      checks.push({
        target: `${relay.provider} ${key.split('.')[0]} CPU per token ≤ ${PROVIDER_CPU_TARGET}× OpenAI's`,
        ok: r <= PROVIDER_CPU_TARGET,
        value: `${r.toFixed(2)}× (${fmt(mine[key], 3)} vs ${fmt(base[key], 3)} s per 10k tokens)`,
      });
    }
  }
  return checks;
}

/** Issue 11: with every event on (the `library-features` relay), relay CPU per token ≤ 1.3× the `node:http` floor, in one run. */
export const FEATURES_FLOOR_TARGET = 1.3;

/** Ratios of the every-event relay (`library-features`) to the `node-http` floor, CPU per token in S1–S3. */
export function checkFeatureTargets(report) {
  const floor = report.medians['node-http'];
  const mine = report.medians['library-features'];
  const checks = [];
  if (!floor || !mine) return checks;
  for (const key of ['S1.cpuPer10k', 'S2.cpuPer10k', 'S3.cpuPer10k']) {
    if (!(key in mine) || !(key in floor)) continue;
    const r = mine[key] / floor[key];
    checks.push({
      target: `every event on, ${key.split('.')[0]} CPU per token ≤ ${FEATURES_FLOOR_TARGET}× node:http`,
      ok: r <= FEATURES_FLOOR_TARGET,
      value: `${r.toFixed(2)}× (${fmt(mine[key], 3)} vs ${fmt(floor[key], 3)} s per 10k tokens)`,
    });
  }
  return checks;
}

function renderProviderTargets(report) {
  const lines = [];
  const checks = checkProviderTargets(report);
  if (checks.length) {
    lines.push('', 'Provider drivers against the OpenAI driver (issue 11), the same run:', '', '| Target | Result | Met |', '| --- | --- | :---: |');
    for (const c of checks) lines.push(`| ${c.target} | ${c.value} | ${c.ok ? 'yes' : '**no**'} |`);
  }
  const features = checkFeatureTargets(report);
  if (features.length) {
    lines.push(
      '',
      'Every event on (progress, keepalive, ids, replay) against the node:http floor (issue 11), the same run:',
      '',
      '| Target | Result | Met |',
      '| --- | --- | :---: |',
    );
    for (const c of features) lines.push(`| ${c.target} | ${c.value} | ${c.ok ? 'yes' : '**no**'} |`);
  }
  const split = floorSplit(report);
  if (split.length) {
    lines.push(
      '',
      "Where the floor ratio goes (no target): the node:http relay's own function inside a Nest route costs what Nest and express add per request; the library's relay with every event on, against that route, is what the library adds:",
      '',
      ...split,
    );
  }
  return lines;
}

/**
 * The every-event relay's floor ratio split into Nest's and express's part (`nest-http`) and the
 * library's, CPU per token in S1–S3: the table's lines (none when a relay is missing). The same
 * relay on Fastify, when it ran, adds its column.
 */
function floorSplit(report) {
  const floor = report.medians['node-http'];
  const nest = report.medians['nest-http'];
  const mine = report.medians['library-features'];
  const fastify = report.medians['library-fastify'];
  if (!floor || !nest || !mine) return [];
  const rows = [
    `| Scenario | Nest route ÷ node:http | every event on ÷ Nest route | every event on ÷ node:http |${fastify ? ' every event on, Fastify ÷ node:http |' : ''}`,
    `| --- | ---: | ---: | ---: |${fastify ? ' ---: |' : ''}`,
  ];
  for (const key of ['S1.cpuPer10k', 'S2.cpuPer10k', 'S3.cpuPer10k']) {
    if (!(key in floor) || !(key in nest) || !(key in mine)) continue;
    const onFastify = fastify ? ` ${key in fastify ? `${(fastify[key] / floor[key]).toFixed(2)}×` : '–'} |` : '';
    rows.push(
      `| ${key.split('.')[0]} | ${(nest[key] / floor[key]).toFixed(2)}× | ${(mine[key] / nest[key]).toFixed(2)}× | ${(mine[key] / floor[key]).toFixed(2)}× |${onFastify}`,
    );
  }
  return rows.length > 2 ? rows : [];
}

/**
 * Issue 14: the UI message protocol's relay (`ui-message`) against our own event protocol's
 * (`library`, ≤ 1.1×) and the AI SDK's own `streamText().pipeUIMessageStreamToResponse()`
 * (`ai-sdk`, ≤ 0.5×), CPU per token in S1–S3 of the same run.
 */
export const UI_CPU_TARGETS = [
  ['library', 1.1, 'our event protocol'],
  ['ai-sdk', 0.5, 'the AI SDK'],
];

export function checkUiTargets(report) {
  const mine = report.medians['ui-message'];
  const checks = [];
  if (!mine) return checks;
  for (const [baseId, limit, name] of UI_CPU_TARGETS) {
    const base = report.medians[baseId];
    for (const key of ['S1.cpuPer10k', 'S2.cpuPer10k', 'S3.cpuPer10k']) {
      if (!base || !(key in mine) || !(key in base)) continue;
      const r = mine[key] / base[key];
      checks.push({
        target: `ui-message ${key.split('.')[0]} CPU per token ≤ ${limit}× ${name}'s`,
        ok: r <= limit,
        value: `${r.toFixed(2)}× (${fmt(mine[key], 3)} vs ${fmt(base[key], 3)} s per 10k tokens)`,
      });
    }
  }
  return checks;
}

function renderUiTargets(report) {
  const checks = checkUiTargets(report);
  if (!checks.length) return [];
  const lines = ['', 'The UI message protocol (issue 14), the same run:', '', '| Target | Result | Met |', '| --- | --- | :---: |'];
  for (const c of checks) lines.push(`| ${c.target} | ${c.value} | ${c.ok ? 'yes' : '**no**'} |`);
  return lines;
}

/** The main table: one row per metric, one column per relay, then the library's ratios. */
function renderTable(report) {
  const { medians } = report;
  const ids = report.relays.map((r) => r.id);
  const libIds = ids.filter((id) => id.startsWith('library'));
  const ratioCols = [];
  for (const libId of libIds) {
    for (const base of ['nest-sdk', 'node-http']) if (ids.includes(base)) ratioCols.push([libId, base]);
  }
  const short = {
    library: 'library',
    'library-features': 'library + features',
    'library-fastify': 'library + features on Fastify',
    'nest-sdk': 'Nest SDK',
    'node-http': 'node:http',
  };
  const lines = [];
  const header = ['Metric', ...ids.map((id) => relayLabel(report, id)), ...ratioCols.map(([a, b]) => `${short[a]} ÷ ${short[b]}`)];
  lines.push(`| ${header.join(' | ')} |`);
  lines.push(`|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
  for (const row of ROWS) {
    if (!ids.some((id) => medians[id] && row.key in medians[id])) continue;
    const cells = ids.map((id) => fmt(medians[id]?.[row.key], row.digits));
    const ratios = ratioCols.map(([a, b]) => ratio(medians[a]?.[row.key], medians[b]?.[row.key]));
    lines.push(`| ${[row.label, ...cells, ...ratios].join(' | ')} |`);
  }
  const errorCells = ids.map((id) =>
    fmt(
      ERROR_KEYS.reduce((sum, key) => sum + (Number(medians[id]?.[key]) || 0), 0),
      0,
    ),
  );
  lines.push(`| ${['Errors (sum of medians)', ...errorCells, ...ratioCols.map(() => '')].join(' | ')} |`);
  return lines;
}

function renderTargets(report) {
  const lines = [];
  for (const libId of report.relays.map((r) => r.id).filter((id) => id.startsWith('library'))) {
    const checks = checkTargets(report, libId);
    if (!checks.length) continue;
    lines.push('');
    lines.push(`Targets of issue 6, ${relayLabel(report, libId)}:`);
    lines.push('');
    lines.push('| Target | Result | Met |');
    lines.push('| --- | --- | :---: |');
    for (const c of checks) lines.push(`| ${c.target} | ${c.value} | ${c.ok === null ? 'n/a' : c.ok ? 'yes' : '**no**'} |`);
  }
  return lines;
}

/** The Performance page of the manual (docs/performance.md). */
export function renderReadmeSection(report, { chartPath = '../bench/results/chart.svg' } = {}) {
  const { info } = report;
  const lines = [];
  lines.push('# Performance');
  lines.push('');
  lines.push(
    'The library sits between a provider and every open browser connection, on every token, so its cost is measured and published. `npm run bench` relays answers from a mock OpenAI upstream (real Chat Completions streaming format, on 127.0.0.1) to a load client, through each of these relays, every one in its own process pinned to one core:',
  );
  lines.push('');
  for (const relay of report.relays) lines.push(`- **${relay.label}**: ${relay.detail}`);
  lines.push('');
  lines.push('Scenarios:');
  for (const s of report.scenarios) lines.push(`- **${s.id}**: ${s.title}`);
  lines.push('');
  lines.push(
    `Medians of ${info.runs} run${info.runs === 1 ? '' : 's'} on ${info.cpuModel}, ${info.cores} cores, ${info.memTotalGiB} GiB, Node ${info.node} (${info.taskset}). Command: \`${info.command}\` (${info.durationSeconds} s). The machine was shared: CPU pressure ${Number.isFinite(info.cpuPressurePct) ? `${info.cpuPressurePct} %` : 'unknown'} during the run (share of the time some task waited for a CPU), so the latencies carry noise; CPU per token and RSS much less.`,
  );
  lines.push('');
  lines.push(...renderTable(report));
  lines.push('');
  lines.push(
    "CPU is user + system time of the relay process (its `process.cpuUsage()`, to the microsecond), per 10 000 tokens relayed; RSS per open stream is (peak − idle RSS) ÷ open streams. Time to first event runs from sending the request to the first content event; the gap added is the time between two content events minus the upstream's 20 ms. Capacity is the highest number of 50 tokens/s streams (steps 50, 100, 150, 200, 300) one core relays with a p99 added gap under 10 ms.",
  );
  lines.push(...renderTargets(report));
  lines.push(...renderProviderTargets(report));
  lines.push(...renderUiTargets(report));
  lines.push('');
  lines.push(`![Relay CPU per 10 000 tokens and p99 added gap](${chartPath})`);
  lines.push('');
  lines.push('Full results, the raw figures and how to run the benchmark: `bench/README.md`, `bench/results/results.md`.');
  lines.push('');
  return lines.join('\n');
}

export function renderMarkdown(report) {
  const { info, medians } = report;
  const ids = report.relays.map((r) => r.id);
  const lines = [];
  lines.push('# Token-path benchmark');
  lines.push('');
  lines.push(`Medians of ${info.runs} run(s), scale ${info.scale}. Command: \`${info.command}\`.`);
  lines.push(`Machine: ${info.cpuModel}, ${info.cores} cores, ${info.memTotalGiB} GiB, Linux ${info.kernel}, Node ${info.node}. ${info.taskset}.`);
  lines.push(
    `Run on ${info.date.slice(0, 10)}, ${info.durationSeconds} s in all; load average (1, 5, 15 min) ${info.loadAverageAtStart?.join(', ')} at the start, ${info.loadAverageAtEnd?.join(', ')} at the end; CPU pressure ${Number.isFinite(info.cpuPressurePct) ? `${info.cpuPressurePct} %` : 'unknown'} (share of the time some task waited for a CPU, /proc/pressure/cpu: the machine is shared, and other processes add noise to the latencies).`,
  );
  lines.push('');
  lines.push('Relays (each its own process, behind the same mock OpenAI upstream on 127.0.0.1):');
  for (const relay of report.relays) lines.push(`- **${relay.label}**: ${relay.detail}`);
  for (const skipped of report.skipped ?? [])
    lines.push(`- *${relayLabel(report, skipped.id) === skipped.id ? skipped.id : relayLabel(report, skipped.id)}: not measured* (${skipped.skip})`);
  lines.push('');
  lines.push('Scenarios:');
  for (const s of report.scenarios) lines.push(`- **${s.id}**: ${s.title}`);
  lines.push('');
  lines.push(...renderTable(report));
  lines.push('');
  lines.push(
    'Lower is better except throughput, share closed and capacity. CPU is user + system time of the relay process (all threads), its own `process.cpuUsage()` read over IPC around each load (microseconds; `/proc/<pid>/stat` counts 10 ms ticks); RSS from `/proc/<pid>/status` (VmHWM, reset before S3, and VmRSS sampled every 20 ms); RSS per open stream is (peak − idle) ÷ streams. "Time to first event" is the time from sending the request to the first content event; "gap added" is the time between two content events minus the upstream\'s 20 ms.',
  );
  const capacityRows = ids
    .map((id) => {
      const steps = Object.keys(medians[id] ?? {}).filter((k) => k.startsWith('S5.addedGapP99@'));
      if (!steps.length) return null;
      return `${relayLabel(report, id)}: ${steps.map((k) => `${k.split('@')[1]} → ${fmt(medians[id][k], 1)} ms`).join(', ')}`;
    })
    .filter(Boolean);
  if (capacityRows.length) {
    lines.push('');
    lines.push('S5 p99 gap added per step (medians):');
    for (const row of capacityRows) lines.push(`- ${row}`);
  }
  lines.push(...renderTargets(report));
  lines.push(...renderProviderTargets(report));
  lines.push(...renderUiTargets(report));
  const failures = report.runs.flatMap((r) => r.failures.map((f) => `${r.relay}, run ${r.run + 1}: ${f.split('\n')[0]}`));
  if (failures.length) {
    lines.push('');
    lines.push('Failures during the run:');
    for (const f of failures) lines.push(`- ${f}`);
  }
  lines.push('');
  lines.push('![Relay CPU per 10 000 tokens and p99 added gap](chart.svg)');
  lines.push('');
  return `${lines.join('\n')}`;
}

const COLORS = { library: '#2563eb', 'library-features': '#7c3aed', 'nest-sdk': '#ea580c', 'node-http': '#6b7280' };

function esc(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Grouped bars: relay CPU s per 10 000 tokens (S1, S2, S3), and S3 p99 added gap. */
export function renderChart(report) {
  const ids = report.relays.map((r) => r.id);
  const m = report.medians;
  const width = 960;
  const height = 440;
  const top = 96;
  const bottom = 60;
  const plotH = height - top - bottom;
  const parts = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="20" y="24" font-size="15" font-weight="600">Token path: relay cost per 10 000 tokens and p99 gap added (lower is better)</text>`);
  // legend
  let lx = 20;
  for (const id of ids) {
    parts.push(`<rect x="${lx}" y="36" width="12" height="12" fill="${COLORS[id] ?? '#999'}"/>`);
    const label = relayLabel(report, id);
    parts.push(`<text x="${lx + 16}" y="46">${esc(label)}</text>`);
    lx += 28 + label.length * 6.6;
  }

  const panel = (x0, panelW, title, groups, unit, digits) => {
    // relays with no value in this panel (e.g. the harness floor has no relay CPU) get no slot
    const shown = ids.filter((id) => groups.some((g) => Number.isFinite(m[id]?.[g.key])));
    const values = groups.flatMap((g) => shown.map((id) => m[id]?.[g.key])).filter((v) => Number.isFinite(v));
    const step = niceStep((values.length ? Math.max(...values) : 1) / 4);
    const ticks = Math.max(1, Math.ceil((values.length ? Math.max(...values) : 1) / step));
    const niceMax = step * ticks;
    const tickDigits = step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step)));
    parts.push(`<text x="${x0}" y="${top - 16}" font-weight="600">${esc(title)}</text>`);
    for (let i = 0; i <= ticks; i++) {
      const v = step * i;
      const y = top + plotH - (v / niceMax) * plotH;
      parts.push(`<line x1="${x0 + 40}" x2="${x0 + panelW}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`);
      parts.push(`<text x="${x0 + 36}" y="${y + 4}" text-anchor="end" fill="#6b7280">${v.toFixed(tickDigits)}</text>`);
    }
    const groupW = (panelW - 50) / groups.length;
    const barW = Math.min(40, (groupW - 16) / Math.max(1, shown.length));
    groups.forEach((g, gi) => {
      const gx = x0 + 50 + gi * groupW + (groupW - barW * shown.length) / 2;
      shown.forEach((id, i) => {
        const v = m[id]?.[g.key];
        const x = gx + i * barW;
        if (!Number.isFinite(v)) {
          parts.push(`<text x="${x + barW / 2}" y="${top + plotH - 4}" text-anchor="middle" fill="#9ca3af">–</text>`);
          return;
        }
        const h = Math.max(1, (v / niceMax) * plotH);
        parts.push(
          `<rect x="${x + 1}" y="${top + plotH - h}" width="${barW - 2}" height="${h}" fill="${COLORS[id] ?? '#999'}"><title>${esc(relayLabel(report, id))}: ${v.toFixed(digits + 1)} ${unit}</title></rect>`,
        );
        parts.push(`<text x="${x + barW / 2}" y="${top + plotH - h - 4}" text-anchor="middle" font-size="10">${v.toFixed(digits)}</text>`);
      });
      parts.push(`<text x="${x0 + 50 + gi * groupW + groupW / 2}" y="${top + plotH + 18}" text-anchor="middle">${esc(g.label)}</text>`);
    });
    parts.push(`<line x1="${x0 + 40}" x2="${x0 + panelW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#374151"/>`);
  };

  panel(
    20,
    560,
    'Relay CPU seconds per 10 000 tokens',
    [
      { key: 'S1.cpuPer10k', label: 'S1 · 1 stream, burst' },
      { key: 'S2.cpuPer10k', label: 'S2 · 200 streams, burst' },
      { key: 'S3.cpuPer10k', label: 'S3 · 1 000 streams, 20 ms' },
    ],
    's',
    2,
  );
  panel(620, 320, 'p99 gap added beyond 20 ms (ms)', [{ key: 'S3.addedGapP99', label: 'S3 · 1 000 streams, 20 ms' }], 'ms', 1);
  const info = report.info;
  parts.push(
    `<text x="20" y="${height - 14}" fill="#6b7280" font-size="11">${esc(`${info.cpuModel}, ${info.cores} cores, Node ${info.node}; relay pinned to one core; medians of ${info.runs} run(s), scale ${info.scale}; ${info.date.slice(0, 10)}`)}</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The smallest of 1, 2, 2.5, 5 × 10^k at least `value`: a readable axis step. */
function niceStep(value) {
  if (!(value > 0)) return 1;
  const exp = Math.pow(10, Math.floor(Math.log10(value)));
  for (const f of [1, 2, 2.5, 5, 10]) if (value <= f * exp) return f * exp;
  return 10 * exp;
}
