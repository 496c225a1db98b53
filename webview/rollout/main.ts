import type { PlanOutcome, StepStatus } from '../../protocol/deploy';
import { type PanelToHost, type PlanViewState, isHostToPanel } from '../../protocol/webview';

declare function acquireVsCodeApi(): { postMessage(m: PanelToHost): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') as HTMLElement;

/** Icons are drawn by CSS (the `icon` classes); these words are what a screen reader says instead. */
const STATUS: Record<StepStatus, string> = {
  running: 'running',
  ok: 'done',
  failed: 'failed',
  skipped: 'skipped',
};
const OUTCOME: Record<PlanOutcome, string> = {
  succeeded: 'Succeeded',
  rolledBack: 'Rolled back',
  failed: 'Failed',
  blocked: 'Blocked',
  invalid: 'Invalid input',
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

function icon(status: StepStatus): HTMLElement {
  return el(
    'span',
    { class: `icon ${status}` },
    el('span', { class: 'visually-hidden' }, `${STATUS[status]}: `),
  );
}

function seconds(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function bar(label: string, value: number, max: number): HTMLElement {
  const pct = max === 0 ? 100 : Math.round((100 * Math.min(value, max)) / max);
  const fill = el('span', { class: 'fill' });
  // Setting a style property from script is allowed by the CSP; a style attribute would not be.
  fill.style.width = `${pct}%`;
  const meter = el(
    'div',
    {
      class: 'bar',
      role: 'meter',
      'aria-label': label,
      'aria-valuenow': String(value),
      'aria-valuemin': '0',
      'aria-valuemax': String(max),
    },
    fill,
  );
  return el(
    'div',
    { class: 'meter' },
    el('span', { class: 'meter-label' }, `${label} ${value}/${max}`),
    meter,
  );
}

function section(title: string, ...children: HTMLElement[]): HTMLElement {
  return el('section', {}, el('h2', {}, title), ...children);
}

function render(s: PlanViewState): void {
  const parts: HTMLElement[] = [el('h1', {}, s.title)];
  // The one live region: the outcome is announced once, not every progress tick.
  parts.push(
    el(
      'p',
      { class: `outcome ${s.outcome ?? 'running'}`, role: 'status' },
      s.outcome === undefined ? 'In progress…' : `${OUTCOME[s.outcome]}: ${s.summary ?? ''}`,
    ),
  );

  const steps = el('ol', { class: 'steps' });
  for (const step of s.steps) {
    steps.append(
      el(
        'li',
        { class: `step ${step.status}` },
        icon(step.status),
        el('span', { class: 'name' }, step.step),
        el('span', { class: 'message' }, step.message),
        el('span', { class: 'ms' }, seconds(step.ms)),
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
          `${p.pod}${p.container === undefined ? '' : ` (${p.container})`}: ${p.reason}`,
          p.restarts > 0 ? el('span', { class: 'muted' }, ` · ${p.restarts} restarts`) : '',
        ),
        el('p', {}, p.message),
      );
      if (p.events.length > 0) box.append(el('h4', {}, 'Events'), el('pre', {}, p.events.join('\n')));
      if (p.logTail.length > 0)
        box.append(el('h4', {}, 'Last log lines'), el('pre', {}, p.logTail.join('\n')));
      list.append(box);
    }
    parts.push(section('Pod problems', list));
  }

  if (s.health.length > 0) {
    const ul = el('ul', { class: 'health' });
    for (const h of s.health) {
      ul.append(el('li', {}, icon(h.ok ? 'ok' : 'failed'), `${h.check}: ${h.message}`));
    }
    parts.push(section('Health checks', ul));
  }

  if (s.canary.length > 0) {
    const ul = el('ul', {});
    for (const c of s.canary) ul.append(el('li', {}, `step ${c.step} (${c.weight}%): ${c.message}`));
    parts.push(section('Canary', ul));
  }

  if (s.notes.length > 0) {
    const ul = el('ul', { class: 'notes' });
    for (const n of s.notes) ul.append(el('li', { class: n.level }, n.message));
    parts.push(section('Notes', ul));
  }

  // Keep which problems the user collapsed: the panel is redrawn on every update.
  const closed = new Set(
    [...root.querySelectorAll('details.problem:not([open]) > summary')].map((x) => x.textContent),
  );
  root.replaceChildren(...parts);
  for (const d of root.querySelectorAll<HTMLDetailsElement>('details.problem')) {
    if (closed.has(d.querySelector('summary')?.textContent ?? '')) d.open = false;
  }
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  if (isHostToPanel(e.data)) render(e.data.state);
});
vscode.postMessage({ type: 'ready' });
