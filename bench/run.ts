import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchResult, printResults } from './harness';
import { benchAgent } from './agent.bench';
import { benchMigrate } from './migrate.bench';
import { benchObserve } from './observe.bench';
import { benchRollout } from './rollout.bench';
import { benchSandbox } from './sandbox.bench';

/**
 * `npm run bench`: every benchmark in one run, peers side by side, ratios printed, and the figures saved
 * to bench-results/latest.json for comparison across commits.
 */
async function main(): Promise<void> {
  const pods = Number(process.env['SLIPWAY_BENCH_PODS'] ?? '10000');
  // SLIPWAY_BENCH_ONLY=rollout (comma-separated) runs a subset while working on one area.
  const only = (process.env['SLIPWAY_BENCH_ONLY'] ?? '').split(',').filter((s) => s !== '');
  const wanted = (name: string): boolean => only.length === 0 || only.includes(name);
  const all: Record<string, BenchResult[]> = {};
  if (wanted('sandbox')) {
    all['sandbox'] = await benchSandbox(pods);
    printResults(`Sandbox at scale:${pods}`, all['sandbox']);
  }
  if (wanted('agent')) {
    all['agent'] = await benchAgent(pods);
    printResults(`Agent and extension (scale:${pods})`, all['agent']);
  }
  if (wanted('rollout')) {
    all['rollout'] = await benchRollout();
    printResults('Deploy: rollout completion reporting', all['rollout']);
  }
  if (wanted('observe')) {
    all['observe'] = await benchObserve();
    printResults('Logs and port-forwards', all['observe']);
  }
  if (wanted('migrate')) {
    all['migrate'] = await benchMigrate();
    printResults('Migrations: 500 against a real PostgreSQL', all['migrate']);
  }
  const dir = join(__dirname, '..', 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'latest.json'),
    JSON.stringify({ date: new Date().toISOString(), results: all }, null, 2),
  );
  process.stdout.write(`\nresults written to bench-results/latest.json\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
