import { readFileSync } from 'node:fs';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target?: string;
  note?: string;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? NaN;
}

/** Resident memory of a process in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m === null ? NaN : Number(m[1]) / 1024;
}

export function printResults(title: string, results: BenchResult[]): void {
  process.stdout.write(`\n${title}\n`);
  for (const r of results) {
    const value = Number.isFinite(r.value)
      ? r.value >= 100
        ? r.value.toFixed(0)
        : r.value.toFixed(2)
      : 'n/a';
    const extra = [r.target === undefined ? '' : `target ${r.target}`, r.note ?? '']
      .filter((s) => s !== '')
      .join('; ');
    process.stdout.write(`  ${r.name.padEnd(58)} ${value.padStart(10)} ${r.unit.padEnd(9)} ${extra}\n`);
  }
}
