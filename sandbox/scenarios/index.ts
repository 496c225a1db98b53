import type { Sandbox } from '../sandbox';
import { loadDemo } from './demo';
import { loadScale } from './scale';

export type Scenario = { kind: 'empty' } | { kind: 'demo' } | { kind: 'scale'; pods: number };

export function parseScenario(text: string): Scenario {
  if (text === 'empty' || text === 'demo') return { kind: text };
  const m = /^scale:(\d+)$/.exec(text);
  if (m !== null && Number(m[1]) > 0) return { kind: 'scale', pods: Number(m[1]) };
  throw new Error(`unknown scenario "${text}": use empty, demo or scale:PODS (e.g. scale:10000)`);
}

export async function loadScenario(sandbox: Sandbox, s: Scenario): Promise<void> {
  switch (s.kind) {
    case 'empty':
      return;
    case 'demo':
      return loadDemo(sandbox);
    case 'scale':
      loadScale(sandbox, s.pods);
      return;
  }
}
