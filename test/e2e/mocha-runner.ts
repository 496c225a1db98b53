// The extension host's test entry point (what `extensionTestsPath` names once bundled). It has the shape
// both code-server's test mode and @vscode/test-electron expect: `run()` settles when mocha has finished,
// and VS Code turns that into the host's exit code (0 on resolve, 1 on reject).
import Mocha from 'mocha';
import { delimiter, isAbsolute } from 'node:path';
import { format } from 'node:util';

/** Absolute paths of the bundled suites, separated by the platform's path delimiter or newlines. */
export const SUITES_ENV = 'SLIPWAY_E2E_SUITES';

/** Optional: only tests whose full title matches this regular expression run. */
export const GREP_ENV = 'SLIPWAY_E2E_GREP';

/** Printed first, so a harness can tell where the test output starts. */
export const START_MARKER = 'slipway-e2e-start';

/** Printed after the run so a caller that only sees the log can count results. */
export const STATS_PREFIX = 'slipway-e2e-stats ';

export interface SuiteStats {
  passes: number;
  failures: number;
  pending: number;
}

export function suiteFiles(value = process.env[SUITES_ENV] ?? ''): string[] {
  const files = value
    .split('\n')
    .flatMap((line) => line.split(delimiter))
    .map((f) => f.trim())
    .filter((f) => f !== '');
  for (const f of files) if (!isAbsolute(f)) throw new Error(`${SUITES_ENV} holds a relative path: ${f}`);
  return files;
}

export function run(): Promise<void> {
  const files = suiteFiles();
  if (files.length === 0) return Promise.reject(new Error(`${SUITES_ENV} names no suite files`));

  // The extension host forwards console calls without applying printf-style formats, so mocha's
  // "%s  %d passing" lines would arrive unformatted; format them here, before they leave the host.
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(format(...args));
  console.log(`${START_MARKER} ${files.length} suite file(s)`);
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec' });
  const grep = process.env[GREP_ENV];
  if (grep) mocha.grep(grep);
  for (const f of files) mocha.addFile(f);

  return new Promise((resolve, reject) => {
    try {
      // Suites are CommonJS bundles, so mocha's synchronous require() loads them; that is also the path
      // on which VS Code's module interceptor supplies `require('vscode')`.
      const runner = mocha.run((failures) => {
        const stats: SuiteStats = {
          passes: runner.stats?.passes ?? 0,
          failures: runner.stats?.failures ?? failures,
          pending: runner.stats?.pending ?? 0,
        };
        console.log(STATS_PREFIX + JSON.stringify(stats));
        if (failures > 0) reject(new Error(`${failures} e2e test(s) failed`));
        else resolve();
      });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
