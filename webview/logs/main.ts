import { assertNever } from '../../protocol/errors';
import {
  type LogPanelToHost,
  type LogStreamOptions,
  type LogStreamState,
  parseHostToLogPanel,
} from '../../protocol/observe-panels';
import { type FilterResult, type Level, type ModelLine, LogModel, ansiRuns } from './model';
import { parseJumpTime } from './jump';

declare function acquireVsCodeApi(): { postMessage(m: LogPanelToHost): void };

const vscode = acquireVsCodeApi();
const model = new LogModel(100_000);
const POD_COLOURS = 8;
const podColour = new Map<string, number>();
const markerKeys = new Set<string>();

let streamState: LogStreamState = 'live';
let streamMessage = '';
let follow = true;
let wrap = false;
let timestamps = false;
let pretty = true;
let levels = new Set<Level>();
let podFilter = '';
let search = '';
let regex = false;
let context = 0;
let filtered: FilterResult | undefined;
let filterDirty = false;
let lastFilterAt = 0;
let unseen = 0;
let dirty = false;
let highlightIndex = -1;

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

function button(id: string, iconName: string, title: string, pressed?: boolean): HTMLButtonElement {
  const b = el(
    'button',
    { id, title, 'aria-label': title, class: 'tool' },
    el('span', { class: `codicon codicon-${iconName}`, 'aria-hidden': 'true' }),
  );
  if (pressed !== undefined) b.setAttribute('aria-pressed', String(pressed));
  return b;
}

function select(id: string, title: string, choices: [string, string][], value: string): HTMLSelectElement {
  const s = el('select', { id, title, 'aria-label': title });
  for (const [v, label] of choices) s.append(el('option', { value: v }, label));
  s.value = value;
  return s;
}

// ---- Layout -------------------------------------------------------------------------------------------

const app = document.getElementById('app') as HTMLElement;
const title = el('h1', { class: 'title' });
const searchBox = el('input', {
  id: 'search',
  type: 'search',
  placeholder: 'Search (Ctrl+F)',
  'aria-label': 'Search the log',
  spellcheck: 'false',
});
const regexButton = button('regex', 'regex', 'Use regular expression', false);
const contextBox = el('input', {
  id: 'context',
  type: 'number',
  min: '0',
  max: '50',
  value: '0',
  title: 'Lines of context kept around each match',
  'aria-label': 'Lines of context',
});
const levelButtons = (
  [
    ['error', 'Errors'],
    ['warn', 'Warnings'],
    ['info', 'Info'],
    ['debug', 'Debug'],
  ] as const
).map(([level, label]) => {
  const b = el(
    'button',
    { class: `level lvl-${level}`, 'data-level': level, 'aria-pressed': 'false' },
    label,
  );
  b.title = `Show only ${label.toLowerCase()} (with the other pressed levels)`;
  return b;
});
const podSelect = select('pods', 'Show one pod', [['', 'All pods']], '');
const sinceSelect = select(
  'since',
  'How far back the stream starts',
  [
    ['300', 'Last 5 min'],
    ['900', 'Last 15 min'],
    ['3600', 'Last hour'],
    ['21600', 'Last 6 hours'],
    ['86400', 'Last day'],
    ['', 'All'],
  ],
  '3600',
);
const tailSelect = select(
  'tail',
  'Lines per container to start with',
  [
    ['100', 'Tail 100'],
    ['1000', 'Tail 1,000'],
    ['10000', 'Tail 10,000'],
    ['', 'No tail limit'],
  ],
  '1000',
);
const previousBox = el('input', { id: 'previous', type: 'checkbox', checked: '' });
const previousLabel = el(
  'label',
  { title: 'Also show the log of each restarted container’s previous instance' },
  previousBox,
  'Previous',
);
const wrapButton = button('wrap', 'word-wrap', 'Wrap long lines', false);
const tsButton = button('timestamps', 'clock', 'Show timestamps', false);
const jsonButton = button('json', 'json', 'Pretty-print JSON lines', true);
const followButton = button('follow', 'debug-pause', 'Pause (stop following new lines)');
const jumpBox = el('input', {
  id: 'jump',
  type: 'text',
  placeholder: 'Jump to 14:05:30',
  'aria-label': 'Jump to time',
  spellcheck: 'false',
});
const copyButton = button('copy', 'copy', 'Copy the lines shown');
const saveButton = button('save', 'save', 'Save the lines shown to a file');
const clearButton = button('clear', 'clear-all', 'Clear the panel (the stream goes on)');
const status = el('div', { id: 'status', role: 'status', 'aria-live': 'polite' });
const banner = el('div', { id: 'banner', class: 'banner hidden' });
const spacer = el('div', { class: 'spacer' });
const rows = el('div', { class: 'rows', role: 'log', 'aria-label': 'Log lines' });
const scroller = el('div', { class: 'scroller', tabindex: '0' }, spacer, rows);

app.append(
  el(
    'header',
    { class: 'toolbar' },
    title,
    el('div', { class: 'group search' }, searchBox, regexButton, contextBox),
    el('div', { class: 'group levels', role: 'group', 'aria-label': 'Levels' }, ...levelButtons),
    el('div', { class: 'group' }, podSelect),
    el('div', { class: 'group' }, sinceSelect, tailSelect, previousLabel),
    el('div', { class: 'group' }, wrapButton, tsButton, jsonButton),
    el('div', { class: 'group' }, jumpBox, followButton, copyButton, saveButton, clearButton),
  ),
  banner,
  scroller,
  status,
);

// One row's height, measured once with the editor font: rows are laid out by index × height.
const probe = el('div', { class: 'row' }, 'Mg');
rows.append(probe);
const ROW_H = Math.max(12, probe.getBoundingClientRect().height || 18);
probe.remove();

// ---- View ---------------------------------------------------------------------------------------------

function filterActive(): boolean {
  return search !== '' || levels.size > 0 || podFilter !== '';
}

function refilter(): void {
  filtered = filterActive()
    ? model.filter({
        search,
        regex,
        context,
        levels: [...levels].flatMap((l): Level[] =>
          l === 'error' ? ['error', 'fatal'] : l === 'debug' ? ['debug', 'trace'] : [l],
        ),
        ...(podFilter === '' ? {} : { pods: [podFilter] }),
      })
    : undefined;
  filterDirty = false;
  lastFilterAt = performance.now();
  searchBox.classList.toggle('invalid', filtered?.error !== undefined);
  searchBox.title = filtered?.error ?? '';
}

function viewSize(): number {
  return filtered === undefined ? model.size : filtered.indexes.length;
}

function modelIndex(viewIndex: number): number {
  return filtered === undefined ? viewIndex : (filtered.indexes[viewIndex] ?? -1);
}

function podOf(pod: string): number {
  let c = podColour.get(pod);
  if (c === undefined) {
    c = podColour.size % POD_COLOURS;
    podColour.set(pod, c);
    if (pod !== '') podSelect.append(el('option', { value: pod }, pod));
  }
  return c;
}

function searchRegExp(): RegExp | undefined {
  if (search === '') return undefined;
  try {
    return new RegExp(regex ? search : search.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
  } catch {
    return undefined;
  }
}

/** Appends text with search matches wrapped in <mark>. */
function appendHighlighted(parent: HTMLElement, text: string, re: RegExp | undefined, cls?: string): void {
  const target = cls === undefined ? parent : parent.appendChild(el('span', { class: cls }));
  if (re === undefined) {
    target.append(text);
    return;
  }
  re.lastIndex = 0;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0] === '') {
      re.lastIndex++;
      continue;
    }
    if (m.index > last) target.append(text.slice(last, m.index));
    target.append(el('mark', {}, m[0]));
    last = m.index + m[0].length;
  }
  if (last < text.length) target.append(text.slice(last));
}

function renderLine(line: ModelLine, index: number, re: RegExp | undefined): HTMLElement {
  if (line.note !== undefined) {
    const row = el('div', { class: `row note note-${line.noteKind ?? 'note'}`, 'data-index': String(index) });
    row.append(el('span', { class: 'ts' }, line.ts.slice(11, 23)));
    const icon = line.noteKind === 'deploy' ? 'rocket' : line.noteKind === 'left' ? 'arrow-left' : 'info';
    row.append(el('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }));
    row.append(el('span', { class: 'text' }, line.note));
    return row;
  }
  const classes = ['row', `pod-c${podOf(line.pod)}`];
  if (line.level !== undefined) classes.push(`lvl-${line.level}`);
  if (line.previous) classes.push('previous');
  if (filtered !== undefined && re !== undefined && !filtered.matches.has(index)) classes.push('context');
  if (index === highlightIndex) classes.push('jumped');
  const row = el('div', { class: classes.join(' '), 'data-index': String(index), 'data-pod': line.pod });
  // The time of day to the millisecond; the whole stamp (date, nanoseconds) on hover and in copies.
  if (timestamps) row.append(el('span', { class: 'ts', title: line.ts }, line.ts.slice(11, 23)));
  row.append(
    el(
      'span',
      { class: 'pod', title: `${line.pod}/${line.container}${line.previous ? ' (previous instance)' : ''}` },
      line.pod,
    ),
  );
  const text = el('span', { class: 'text' });
  if (pretty && line.json !== undefined) {
    text.classList.add('json');
    appendHighlighted(text, JSON.stringify(line.json, null, 2), re);
  } else {
    for (const run of ansiRuns(line.text)) appendHighlighted(text, run.text, re, run.cls);
  }
  row.append(text);
  return row;
}

function render(): void {
  dirty = false;
  if (filterDirty && performance.now() - lastFilterAt > 200) refilter();
  const size = viewSize();
  spacer.style.height = `${size * ROW_H}px`;
  const height = scroller.clientHeight;
  const visible = Math.ceil(height / ROW_H) + 1;
  if (follow) scroller.scrollTop = scroller.scrollHeight;
  const top = scroller.scrollTop;
  const atBottom = follow || top + height >= size * ROW_H - 2;
  // At the bottom the last `visible` lines are drawn; elsewhere from the first visible index on.
  const start = atBottom
    ? Math.max(0, size - visible)
    : Math.min(Math.floor(top / ROW_H), Math.max(0, size - 1));
  const end = Math.min(size, start + visible);
  const re = searchRegExp();
  const fragment = document.createDocumentFragment();
  for (let v = start; v < end; v++) {
    const i = modelIndex(v);
    const line = model.at(i);
    if (line !== undefined) fragment.append(renderLine(line, i, re));
  }
  rows.replaceChildren(fragment);
  rows.style.top = `${top}px`;
  rows.style.height = `${height}px`;
  // Lines taller than one row overflow the box: at the bottom the newest stay in sight, elsewhere the first.
  rows.scrollTop = atBottom ? rows.scrollHeight : 0;
  scroller.classList.toggle('wrap', wrap);
  renderStatus(size);
}

function renderStatus(size: number): void {
  const n = (x: number): string => x.toLocaleString('en-US');
  const pods = [...podColour.keys()].filter((p) => p !== '');
  const parts = [
    `${n(pods.length)} pod${pods.length === 1 ? '' : 's'}`,
    `${n(model.size)} lines`,
    filtered === undefined ? '' : `${n(filtered.matches.size)} matching`,
    model.dropped > 0 ? `${n(model.dropped)} dropped (the panel keeps the last ${n(model.capacity)})` : '',
    follow ? '' : unseen > 0 ? `paused · ${n(unseen)} new` : 'paused',
    streamState === 'live' ? 'live' : streamState === 'reconnecting' ? 'reconnecting…' : 'ended',
  ].filter((p) => p !== '');
  status.textContent = parts.join(' · ');
  app.dataset['lines'] = String(model.size);
  app.dataset['shown'] = String(size);
  app.dataset['dropped'] = String(model.dropped);
  app.dataset['pods'] = pods.join(',');
  app.dataset['state'] = streamState;
  app.dataset['follow'] = String(follow);
}

function invalidate(refilterNow = false): void {
  if (refilterNow) refilter();
  else if (filtered !== undefined) filterDirty = true;
  if (dirty) return;
  dirty = true;
  requestAnimationFrame(render);
}

function setFollow(on: boolean): void {
  follow = on;
  if (on) unseen = 0;
  followButton.replaceChildren(
    el('span', { class: `codicon codicon-${on ? 'debug-pause' : 'play'}`, 'aria-hidden': 'true' }),
  );
  const label = on ? 'Pause (stop following new lines)' : 'Follow new lines';
  followButton.title = label;
  followButton.setAttribute('aria-label', label);
  invalidate();
}

function showBanner(text: string, tone: 'info' | 'warning' | 'error' | ''): void {
  banner.textContent = text;
  banner.className = `banner ${tone}${text === '' ? ' hidden' : ''}`;
}

function selectedOptions(): LogStreamOptions {
  const since = sinceSelect.value;
  const tail = tailSelect.value;
  return {
    previous: previousBox.checked,
    ...(since === '' ? {} : { sinceSeconds: Number(since) }),
    ...(tail === '' ? {} : { tailLines: Number(tail) }),
  };
}

function showOptions(o: LogStreamOptions): void {
  sinceSelect.value = o.sinceSeconds === undefined ? '' : String(o.sinceSeconds);
  tailSelect.value = o.tailLines === undefined ? '' : String(o.tailLines);
  previousBox.checked = o.previous;
}

function reset(): void {
  model.clear();
  model.dropped = 0;
  podColour.clear();
  markerKeys.clear();
  podSelect.replaceChildren(el('option', { value: '' }, 'All pods'));
  podFilter = '';
  unseen = 0;
  invalidate(true);
}

function jump(input: string): void {
  const last = model.at(model.size - 1) ?? model.at(0);
  const ts = parseJumpTime(input, last?.ts);
  if (ts === undefined) {
    jumpBox.classList.add('invalid');
    jumpBox.title = 'Type a time like 14:05, 14:05:30 or 2026-11-22T14:05:30Z.';
    return;
  }
  jumpBox.classList.remove('invalid');
  jumpBox.title = '';
  const target = model.indexAt(ts);
  let v = target;
  if (filtered !== undefined) {
    // The first shown line at or after the model index.
    let lo = 0;
    let hi = filtered.indexes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (filtered.indexes[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    v = lo;
  }
  highlightIndex = modelIndex(Math.min(v, viewSize() - 1));
  setFollow(false);
  scroller.scrollTop = Math.max(0, v * ROW_H);
  invalidate();
}

// ---- Events -------------------------------------------------------------------------------------------

let programmaticScroll = 0;
scroller.addEventListener('scroll', () => {
  const atBottom = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2;
  if (follow && !atBottom && performance.now() > programmaticScroll) setFollow(false);
  else if (!follow && atBottom) setFollow(true);
  invalidate();
});
new ResizeObserver(() => invalidate()).observe(scroller);

let searchTimer: number | undefined;
searchBox.addEventListener('input', () => {
  window.clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => {
    search = searchBox.value;
    invalidate(true);
  }, 120);
});
regexButton.addEventListener('click', () => {
  regex = !regex;
  regexButton.setAttribute('aria-pressed', String(regex));
  invalidate(true);
});
contextBox.addEventListener('input', () => {
  context = Math.max(0, Math.min(50, Number(contextBox.value) || 0));
  invalidate(true);
});
for (const b of levelButtons) {
  b.addEventListener('click', () => {
    const level = b.dataset['level'] as Level;
    if (levels.has(level)) levels.delete(level);
    else levels.add(level);
    levels = new Set(levels);
    b.setAttribute('aria-pressed', String(levels.has(level)));
    invalidate(true);
  });
}
podSelect.addEventListener('change', () => {
  podFilter = podSelect.value;
  invalidate(true);
});
for (const s of [sinceSelect, tailSelect, previousBox]) {
  s.addEventListener('change', () => vscode.postMessage({ type: 'restart', options: selectedOptions() }));
}
wrapButton.addEventListener('click', () => {
  wrap = !wrap;
  wrapButton.setAttribute('aria-pressed', String(wrap));
  invalidate();
});
tsButton.addEventListener('click', () => {
  timestamps = !timestamps;
  tsButton.setAttribute('aria-pressed', String(timestamps));
  invalidate();
});
jsonButton.addEventListener('click', () => {
  pretty = !pretty;
  jsonButton.setAttribute('aria-pressed', String(pretty));
  invalidate();
});
followButton.addEventListener('click', () => {
  highlightIndex = -1;
  setFollow(!follow);
});
jumpBox.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') jump(jumpBox.value);
});
copyButton.addEventListener('click', () => {
  const indexes = filtered?.indexes;
  vscode.postMessage({
    type: 'copy',
    text: model.text(indexes, { timestamps }),
    lines: indexes?.length ?? model.size,
  });
});
saveButton.addEventListener('click', () => {
  vscode.postMessage({ type: 'save', text: model.text(filtered?.indexes, { timestamps: true }) });
});
clearButton.addEventListener('click', () => {
  model.clear();
  model.dropped = 0;
  invalidate(true);
});
document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === 'f') {
    e.preventDefault();
    searchBox.focus();
    searchBox.select();
  } else if (e.key === 'Escape' && document.activeElement === searchBox) {
    searchBox.value = '';
    search = '';
    invalidate(true);
  } else if (e.key === 'End' && document.activeElement === scroller) {
    setFollow(true);
  }
});

window.addEventListener('message', (event: MessageEvent) => {
  const message = parseHostToLogPanel(event.data);
  if (message === undefined) return;
  switch (message.type) {
    case 'init':
      title.textContent = message.title;
      showOptions(message.options);
      for (const p of message.pods) podOf(p);
      invalidate();
      return;
    case 'reset':
      showOptions(message.options);
      reset();
      return;
    case 'lines': {
      const before = model.dropped;
      model.add(message.lines);
      const trimmed = model.dropped - before;
      if (!follow) {
        unseen += message.lines.length;
        // Keep the lines the reader looks at in place when old ones are dropped from the top.
        if (trimmed > 0 && filtered === undefined) {
          programmaticScroll = performance.now() + 100;
          scroller.scrollTop = Math.max(0, scroller.scrollTop - trimmed * ROW_H);
        }
      }
      invalidate();
      return;
    }
    case 'notes':
      for (const n of message.notes) {
        if (n.kind === 'reconnecting' || n.kind === 'resumed') continue;
        const where = n.container === undefined ? n.pod : `${n.pod}/${n.container}`;
        model.mark(n.at, n.pod, n.message.includes(n.pod) ? n.message : `${where}: ${n.message}`, n.kind);
        if (n.pod !== '') podOf(n.pod);
      }
      invalidate(true);
      return;
    case 'markers':
      for (const m of message.markers) {
        const key = `${m.at}|${m.label}`;
        if (markerKeys.has(key)) continue;
        markerKeys.add(key);
        model.mark(m.at, '', m.label, 'deploy');
      }
      invalidate(true);
      return;
    case 'state':
      streamState = message.state;
      streamMessage = message.message ?? '';
      showBanner(
        streamMessage,
        message.state === 'reconnecting' ? 'warning' : message.state === 'ended' ? 'error' : '',
      );
      invalidate();
      return;
    default:
      assertNever(message, 'host message');
  }
});

vscode.postMessage({ type: 'ready' });
