/**
 * Messages between the rollout panel (webview) and its extension host, and the state it draws. The
 * panel holds nothing else: the host sends the whole state, the panel renders it.
 */
import type { PlanOutcome, PlanStep, PodProblem, StepStatus } from './deploy';

export interface PlanViewState {
  title: string;
  steps: { step: PlanStep; status: StepStatus; message: string; ms?: number }[];
  workloads: {
    label: string;
    desired: number;
    updated: number;
    ready: number;
    available: number;
    message: string;
  }[];
  problems: PodProblem[];
  health: { check: string; ok: boolean; message: string }[];
  canary: { step: number; weight: number; message: string }[];
  notes: { level: 'info' | 'warning'; message: string }[];
  outcome?: PlanOutcome;
  summary?: string;
}

export type HostToPanel = { type: 'state'; state: PlanViewState };
export type PanelToHost = { type: 'ready' };

export function isPanelToHost(v: unknown): v is PanelToHost {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'ready';
}

/**
 * The panel's check on what arrives: the host is the only sender, so the shape is checked, not every
 * field, and anything else (another extension's message, a stale format) is ignored.
 */
export function isHostToPanel(v: unknown): v is HostToPanel {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as { type?: unknown; state?: unknown };
  if (m.type !== 'state' || typeof m.state !== 'object' || m.state === null) return false;
  const s = m.state as Record<string, unknown>;
  return (
    typeof s['title'] === 'string' &&
    ['steps', 'workloads', 'problems', 'health', 'canary', 'notes'].every((k) => Array.isArray(s[k]))
  );
}
