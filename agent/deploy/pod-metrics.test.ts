import { strict as assert } from 'node:assert';
import { deltaStats, parseRequestStats, quantileSeconds } from './pod-metrics';

const scrape = (
  ok: number,
  failed: number,
  fast: number,
  slow: number,
): string => `# HELP http_requests_total Total
# TYPE http_requests_total counter
http_requests_total{method="GET",path="root",status="200"} ${ok}
http_requests_total{method="GET",path="root",status="500"} ${failed}
http_requests_total{method="GET",path="echo",status="404"} 1
http_request_duration_seconds_bucket{method="GET",path="root",le="0.1"} ${fast}
http_request_duration_seconds_bucket{method="GET",path="root",le="0.5"} ${fast + slow}
http_request_duration_seconds_bucket{method="GET",path="root",le="+Inf"} ${fast + slow}
`;

describe('pod request metrics', () => {
  it('sums requests and 5xx errors over series', () => {
    const s = parseRequestStats(scrape(90, 10, 80, 20));
    assert.equal(s.total, 101);
    assert.equal(s.errors, 10);
  });

  it('computes the error rate and p95 of the requests between two scrapes', () => {
    const d = deltaStats(
      parseRequestStats(scrape(90, 10, 80, 20)),
      parseRequestStats(scrape(140, 60, 80, 120)),
    );
    assert.equal(d.total, 100);
    assert.equal(d.errors, 50);
    const p95 = quantileSeconds(d, 0.95);
    assert.ok(p95 !== undefined && p95 > 0.1 && p95 <= 0.5, String(p95));
    assert.equal(quantileSeconds(deltaStats(d, d), 0.95), undefined, 'no requests: no quantile');
  });

  it('treats a counter reset (a restarted pod) as counting from zero', () => {
    const d = deltaStats(parseRequestStats(scrape(90, 10, 80, 20)), parseRequestStats(scrape(5, 1, 6, 0)));
    assert.equal(d.total, 7);
    assert.equal(d.errors, 1);
  });
});
