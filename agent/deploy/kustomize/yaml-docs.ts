import { LineCounter, type ScalarTag, parseAllDocuments } from 'yaml';
import { AgentFailure, agentError } from '../../../protocol';

/**
 * Plain integers as kustomize's YAML library (go-yaml v3) reads them, which YAML 1.2's core schema does
 * not: a leading zero means octal (`defaultMode: 0644` is 420), underscores separate digits, and digits
 * that are not valid octal after a zero (`08`) fall back to decimal. (Plain dates stay strings: kustomize
 * keeps them in labels and annotations, where they matter, though not everywhere.)
 */
const goInt: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  identify: (v) => typeof v === 'number' && Number.isInteger(v),
  test: /^[-+]?(?:0[0-9_]+|[0-9][0-9_]*|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+)$/,
  resolve(text) {
    const sign = text.startsWith('-') ? -1 : 1;
    const digits = text.replace(/^[-+]/, '').replace(/_/g, '');
    if (/^0x/i.test(digits)) return sign * parseInt(digits.slice(2), 16);
    if (/^0o/i.test(digits)) return sign * parseInt(digits.slice(2), 8);
    if (/^0b/i.test(digits)) return sign * parseInt(digits.slice(2), 2);
    if (/^0[0-7]+$/.test(digits)) return sign * parseInt(digits, 8);
    return sign * parseInt(digits, 10);
  },
};

/**
 * The documents of a YAML text, as plain values (empty documents dropped). Merge keys (`<<: *anchor`) are
 * resolved, as kustomize's YAML library does. Broken YAML is INVALID with `WHERE:LINE: problem`.
 */
export function parseDocs(text: string, where: string): unknown[] {
  const counter = new LineCounter();
  const out: unknown[] = [];
  const docs = parseAllDocuments(text, {
    lineCounter: counter,
    prettyErrors: false,
    merge: true,
    customTags: (tags) => [goInt, ...tags],
  });
  for (const doc of docs) {
    const e = doc.errors[0];
    if (e !== undefined) {
      const problem = e.message.split('\n')[0] ?? 'YAML error';
      throw new AgentFailure(
        agentError('INVALID', `${where}:${counter.linePos(e.pos[0]).line}: ${problem}. Fix the YAML.`),
      );
    }
    const v: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}
