import type { PlanOutcome, StepStatus } from '../../protocol/deploy';
import { assertNever } from '../../protocol/errors';
import { type PanelToHost, type PlanViewState, parseHostToPanel } from '../../protocol/webview';

declare function acquireVsCodeApi(): { postMessage(m: PanelToHost): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') as HTMLElement;
/**
 * The one live region. It stays in place while everything else is redrawn, and its text changes only
 * when a plan starts or ends, so a screen reader announces the outcome once, not every progress tick.
 */
const announcer = document.getElementById('announcer') as HTMLElement;

/** Codicon and the words a screen reader says instead of the icon. */
const STEP_ICON: Record<StepStatus, { icon: string; text: string }> = {
  running: { icon: 'loading codicon-modifier-spin', text: 'running' },
  ok: { icon: 'pass-filled', text: 'done' },
  failed: { icon: 'error', text: 'failed' },
  skipped: { icon: 'circle-slash', text: 'skipped' },
};
const OUTCOME: Record<PlanOutcome, { icon: string; text: string }> = {
  succeeded: { icon: 'pass-filled', text: 'Succeeded' },
  rolledBack: { icon: 'discard', text: 'Rolled back' },
  failed: { icon: 'error', text: 'Failed' },
  blocked: { icon: 'circle-slash', text: 'Blocked' },
  invalid: { icon: 'warning', text: 'Invalid input' },
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/**
 * A codicon, hidden from assistive technology; `text` is what a screen reader says instead (omit it where
 * visible text beside the icon already says the same).
 */
function icon(name: string, text: string, tone = ''): HTMLElement {
  const span = el(
    'span',
    { class: `status ${tone}` },
    el('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' }),
  );
  if (text !== '') span.append(el('span', { class: 'visually-hidden' }, `${text}: `));
  return span;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function elapsed(since: string, now: number): string {
  const started = Date.parse(since);
  return Number.isFinite(started) ? seconds(Math.max(0, now - started)) : '';
}

/** A finished step's duration; a running one's span counts up (see `tick`). */
function duration(step: PlanViewState['steps'][number], now: number): HTMLElement {
  if (step.ms !== undefined) return el('span', { class: 'ms' }, seconds(step.ms));
  if (step.status === 'running' && step.since !== undefined)
    return el('span', { class: 'ms', 'data-since': step.since }, elapsed(step.since, now));
  return el('span', { class: 'ms' });
}

function bar(label: string, value: number, max: number): HTMLElement {
  const pct = max === 0 ? 100 : Math.round((100 * Math.min(value, max)) / max);
  const fill = el('span', { class: 'fill' });
  // Setting a style property from script is allowed by the CSP; a style attribute would not be.
  fill.style.width = `${pct}%`;
  const meter = el(
    'div',
    {
      class: `bar${value >= max ? ' full' : ''}`,
      role: 'meter',
      'aria-label': `${label}: ${value} of ${max}`,
      'aria-valuenow': String(value),
      'aria-valuemin': '0',
      'aria-valuemax': String(max),
    },
    fill,
  );
  return el(
    'div',
    { class: 'meter' },
    el('span', { class: 'meter-label', 'aria-hidden': 'true' }, label),
    meter,
    el('span', { class: 'meter-value', 'aria-hidden': 'true' }, `${value}/${max}`),
  );
}

function section(title: string, ...children: HTMLElement[]): HTMLElement {
  const id = `h-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return el('section', { 'aria-labelledby': id }, el('h2', { id }, title), ...children);
}

/** A block of text a keyboard user can reach and scroll (long log lines wrap, but lists can be long). */
function textBlock(label: string, lines: readonly string[]): HTMLElement {
  return el('pre', { tabindex: '0', 'aria-label': label }, lines.join('\n'));
}

function outcomeBanner(s: PlanViewState): HTMLElement {
  if (s.outcome === undefined) {
    return el(
      'p',
      { class: 'outcome running' },
      icon('loading codicon-modifier-spin', '', 'running'),
      el('span', {}, 'In progress…'),
    );
  }
  const o = OUTCOME[s.outcome];
  return el(
    'p',
    { class: `outcome ${s.outcome}` },
    icon(o.icon, '', s.outcome),
    el('span', {}, el('strong', {}, `${o.text}:`), ` ${s.summary ?? ''}`),
  );
}

function render(s: PlanViewState, now: number): void {
  const parts: HTMLElement[] = [el('h1', {}, s.title), outcomeBanner(s)];

  const steps = el('ol', { class: 'steps', 'aria-label': 'Plan steps' });
  for (const step of s.steps) {
    const st = STEP_ICON[step.status];
    steps.append(
      el(
        'li',
        { class: `step ${step.status}` },
        icon(st.icon, st.text, step.status),
        el('span', { class: 'name' }, step.step),
        el('span', { class: 'message' }, step.message),
        duration(step, now),
      ),
    );
  }
  if (s.steps.length === 0) steps.append(el('li', { class: 'muted' }, 'Waiting for the first step…'));
  parts.push(section('Steps', steps));

  if (s.workloads.length > 0) {
    const list = el('div', { class: 'workloads' });
    for (const w of s.workloads) {
      list.append(
        el(
          'div',
          { class: 'workload' },
          el('h3', {}, w.label),
          bar('updated', w.updated, w.desired),
          bar('ready', w.ready, w.desired),
          bar('available', w.available, w.desired),
          el('p', { class: 'muted' }, w.message),
        ),
      );
    }
    parts.push(section('Rollout', list));
  }

  if (s.problems.length > 0) {
    const list = el('div', {});
    for (const p of s.problems) {
      // <details> is keyboard accessible as it is: Tab reaches the summary, Enter or Space toggles it.
      const box = el(
        'details',
        { class: 'problem', open: '' },
        el(
          'summary',
          {},
          icon('warning', 'problem', 'failed'),
          `${p.pod}${p.container === undefined ? '' : ` (${p.container})`}: ${p.reason}`,
          p.restarts > 0
            ? el('span', { class: 'muted' }, ` · ${p.restarts} restart${p.restarts === 1 ? '' : 's'}`)
            : '',
        ),
        el('p', {}, p.message),
      );
      if (p.events.length > 0) box.append(el('h4', {}, 'Events'), textBlock(`Events of ${p.pod}`, p.events));
      if (p.logTail.length > 0)
        box.append(el('h4', {}, 'Last log lines'), textBlock(`Last log lines of ${p.pod}`, p.logTail));
      list.append(box);
    }
    parts.push(section('Pod problems', list));
  }

  if (s.health.length > 0) {
    const ul = el('ul', { class: 'health' });
    for (const h of s.health) {
      const status = h.status === undefined ? '' : ` (HTTP ${h.status})`;
      ul.append(
        el(
          'li',
          {},
          icon(h.ok ? 'pass-filled' : 'error', h.ok ? 'passed' : 'failed', h.ok ? 'ok' : 'failed'),
          el('span', { class: 'name' }, h.check),
          // The agent's message usually ends with the status ("GET … → 200"); it is added when not.
          el(
            'span',
            {},
            h.status !== undefined && !h.message.includes(String(h.status)) ? h.message + status : h.message,
          ),
        ),
      );
    }
    parts.push(section('Health checks', ul));
  }

  if (s.canary.length > 0) {
    const ul = el('ul', { class: 'canary' });
    for (const c of s.canary) ul.append(el('li', {}, `Step ${c.step} (${c.weight}%): ${c.message}`));
    parts.push(section('Canary', ul));
  }

  if (s.notes.length > 0) {
    const ul = el('ul', { class: 'notes' });
    for (const n of s.notes) {
      ul.append(
        el(
          'li',
          { class: n.level },
          icon(n.level === 'warning' ? 'warning' : 'info', n.level, n.level),
          n.message,
        ),
      );
    }
    parts.push(section('Notes', ul));
  }

  // Keep which problems the user collapsed and what has focus: the panel is redrawn on every update.
  const closed = new Set(
    [...root.querySelectorAll('details.problem:not([open]) > summary')].map((x) => x.textContent),
  );
  const focused = document.activeElement;
  const focusKey =
    focused instanceof HTMLElement && root.contains(focused)
      ? (focused.getAttribute('aria-label') ?? focused.textContent)
      : undefined;
  root.replaceChildren(...parts);
  for (const d of root.querySelectorAll<HTMLDetailsElement>('details.problem')) {
    if (closed.has(d.querySelector('summary')?.textContent ?? '')) d.open = false;
  }
  if (focusKey !== undefined) {
    const again = [...root.querySelectorAll<HTMLElement>('summary, pre')].find(
      (e) => (e.getAttribute('aria-label') ?? e.textContent) === focusKey,
    );
    again?.focus({ preventScroll: true });
  }
}

let ticker: number | undefined;

/** Counts up the durations of running steps; only those spans change, so focus and selection stay. */
function tick(): void {
  const now = Date.now();
  for (const span of root.querySelectorAll<HTMLElement>('span.ms[data-since]')) {
    span.textContent = elapsed(span.dataset['since'] ?? '', now);
  }
}

function announce(s: PlanViewState): void {
  const text =
    s.outcome === undefined
      ? `${s.title}: in progress`
      : `${s.title}: ${OUTCOME[s.outcome].text}. ${s.summary ?? ''}`;
  if (announcer.textContent !== text) announcer.textContent = text;
}

/** Draws the state and, while a step runs, ticks once a second. */
function show(s: PlanViewState): void {
  render(s, Date.now());
  announce(s);
  const running = s.outcome === undefined && s.steps.some((x) => x.status === 'running');
  if (running && ticker === undefined) {
    ticker = window.setInterval(tick, 1000);
  } else if (!running && ticker !== undefined) {
    window.clearInterval(ticker);
    ticker = undefined;
  }
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const m = parseHostToPanel(e.data);
  if (m === undefined) return;
  switch (m.type) {
    case 'state':
      show(m.state);
      return;
    default:
      assertNever(m.type, 'host message');
  }
});
vscode.postMessage({ type: 'ready' });
