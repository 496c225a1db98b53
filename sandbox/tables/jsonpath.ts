/**
 * The subset of kubectl's JSONPath (k8s.io/client-go/util/jsonpath) that CRD additionalPrinterColumns use:
 * fields (with `\.` escapes), `['key']`, `[n]`, `[a:b:c]`, `[*]`, `.*`, `..field` and filters such as
 * `[?(@.type=="Ready")]`. Missing keys yield no result rather than an error, as the CRD table convertor asks
 * for; malformed arrays or incomparable filter operands are errors, which blank the cell.
 */
import { compareStrings, isRecord } from './json';

export class JsonPathError extends Error {}

type Literal =
  | { kind: 'int' | 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean };

type Operand = { type: 'path'; steps: Step[] } | { type: 'literal'; literal: Literal };

type Step =
  | { type: 'field'; name: string }
  | { type: 'wildcard' }
  | { type: 'recursive' }
  | {
      type: 'slice';
      start: number | undefined;
      end: number | undefined;
      endDerived: boolean;
      step: number | undefined;
    }
  | { type: 'filter'; left: Step[]; op: string; right: Operand | undefined };

const TERMINATORS = new Set([' ', '\t', '\r', '\n', '.', ',', '[', ']', '$', '@', '{', '}']);

/** A parsed JSONPath expression, evaluated against plain JSON. */
export class JsonPath {
  private constructor(private readonly steps: Step[]) {}

  /** Parses the expression a CRD column gives, e.g. `.status.replicas`; throws JsonPathError when malformed. */
  static parse(expression: string): JsonPath {
    return new JsonPath(new Parser(expression).steps());
  }

  /** Every value the path selects, in document order. */
  find(data: unknown): unknown[] {
    return evaluate([data], this.steps);
  }
}

class Parser {
  private pos = 0;

  constructor(private readonly input: string) {}

  steps(): Step[] {
    const steps: Step[] = [];
    while (this.pos < this.input.length) steps.push(...this.next());
    return steps;
  }

  private rest(): string {
    return this.input.slice(this.pos);
  }

  private next(): Step[] {
    const rest = this.rest();
    if (rest.startsWith('..')) {
      this.pos += 2;
      // A bare identifier straight after `..` names the field searched for at every depth.
      const named = /^[\p{L}\p{N}_]/u.test(this.rest());
      return named ? [{ type: 'recursive' }, this.field()] : [{ type: 'recursive' }];
    }
    if (rest.startsWith('[?(')) return [this.filter()];
    const ch = rest[0]!;
    this.pos++;
    if (ch === ' ' || ch === '$' || ch === '@') return [];
    if (ch === '.') return [this.field()];
    if (ch === '[') return this.array();
    throw new JsonPathError(`unsupported JSONPath syntax at ${JSON.stringify(rest)}`);
  }

  /** A field name runs to the next unescaped terminator; backslashes are then dropped, as kubectl does. */
  private field(): Step {
    const start = this.pos;
    while (this.pos < this.input.length && !TERMINATORS.has(this.input[this.pos]!)) {
      this.pos += this.input[this.pos] === '\\' ? 2 : 1;
    }
    const name = this.input.slice(start, Math.min(this.pos, this.input.length)).replaceAll('\\', '');
    return name === '*' ? { type: 'wildcard' } : { type: 'field', name };
  }

  private array(): Step[] {
    const close = this.input.indexOf(']', this.pos);
    if (close < 0) throw new JsonPathError('unterminated array');
    let text = this.input.slice(this.pos, close);
    this.pos = close + 1;
    if (text === '*') text = ':';
    if (text.includes(',')) throw new JsonPathError('JSONPath unions are not supported');
    const dictKey = /^'([^']*)'$/.exec(text);
    // kubectl re-parses a quoted key as `.key`, so dots inside it still split fields; kept for fidelity.
    if (dictKey !== null) return new Parser(`.${dictKey[1]!}`).steps();
    return [parseSlice(text)];
  }

  /** Scans `[?( … )]`, honouring quotes so a ')' inside a string literal does not end the filter. */
  private filter(): Step {
    this.pos += 3;
    const start = this.pos;
    let quote: string | undefined;
    let closed = false;
    for (;;) {
      const ch = this.input[this.pos++];
      if (ch === undefined || ch === '\n') throw new JsonPathError('unterminated filter');
      if ((ch === '"' || ch === "'") && quote === undefined) quote = ch;
      else if (ch === quote && this.input[this.pos - 2] !== '\\') closed = true;
      else if (ch === ')' && (quote === undefined) === !closed) break;
    }
    if (this.input[this.pos++] !== ']') throw new JsonPathError('unclosed array expect ]');
    return parseFilter(this.input.slice(start, this.pos - 2));
  }
}

const SLICE = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;

function parseSlice(text: string): Step {
  const match = SLICE.exec(text);
  if (match === null) throw new JsonPathError(`invalid array index ${text}`);
  const number = (part: string | undefined): number | undefined => {
    const digits = part?.replace(/^:/, '');
    return digits === undefined || digits === '' ? undefined : Number(digits);
  };
  const start = number(match[1]);
  // A lone index [n] selects n..n+1; the end is "derived", which matters for negative indices.
  if (match[2] === undefined) {
    return { type: 'slice', start, end: (start ?? 0) + 1, endDerived: true, step: undefined };
  }
  return { type: 'slice', start, end: number(match[2]), endDerived: false, step: number(match[3]) };
}

function parseFilter(text: string): Step {
  const match = /^([^!<>=]+)([!<>=]+)(.+?)$/.exec(text);
  if (match === null)
    return { type: 'filter', left: new Parser(text).steps(), op: 'exists', right: undefined };
  return {
    type: 'filter',
    left: new Parser(match[1]!).steps(),
    op: match[2]!,
    right: parseOperand(match[3]!.trim()),
  };
}

function parseOperand(text: string): Operand {
  const quoted = /^(["'])(.*)\1$/s.exec(text);
  if (quoted !== null)
    return { type: 'literal', literal: { kind: 'string', value: quoted[2]!.replace(/\\(.)/g, '$1') } };
  if (/^[+-]?[\d.]+$/.test(text)) {
    if (/^[+-]?\d+$/.test(text)) return { type: 'literal', literal: { kind: 'int', value: Number(text) } };
    const value = Number(text);
    if (Number.isNaN(value)) throw new JsonPathError(`cannot parse number ${text}`);
    return { type: 'literal', literal: { kind: 'float', value } };
  }
  if (text === 'true' || text === 'false')
    return { type: 'literal', literal: { kind: 'bool', value: text === 'true' } };
  return { type: 'path', steps: new Parser(text).steps() };
}

function evaluate(input: unknown[], steps: readonly Step[]): unknown[] {
  let values = input;
  for (const step of steps) values = applyStep(values, step);
  return values;
}

function applyStep(values: unknown[], step: Step): unknown[] {
  switch (step.type) {
    case 'field':
      return values.flatMap((v) => (isRecord(v) && Object.hasOwn(v, step.name) ? [v[step.name]] : []));
    case 'wildcard':
      return values.flatMap(children);
    case 'recursive':
      return values.flatMap(descendants);
    case 'slice':
      return values.flatMap((v) => slice(v, step));
    case 'filter':
      return values.flatMap((v) => filter(v, step));
  }
}

/** Map values (in key order, for determinism where Go's map order is random) or array elements. */
function children(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (!isRecord(value)) return [];
  return Object.keys(value)
    .sort(compareStrings)
    .map((k) => value[k]);
}

/** Every container holding children, starting with `value` itself, depth first. */
function descendants(value: unknown): unknown[] {
  const kids = children(value);
  return kids.length === 0 ? [] : [value, ...kids.flatMap(descendants)];
}

function slice(value: unknown, step: Extract<Step, { type: 'slice' }>): unknown[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new JsonPathError('value is not array or slice');
  const length = value.length;
  let start = step.start ?? 0;
  if (start < 0) start += length;
  let end = step.end ?? length;
  if (end < 0 || (end === 0 && step.endDerived)) end += length;
  if (start === end) return [];
  if (start >= length || start < 0 || end > length || end < 0 || start > end) {
    throw new JsonPathError(`array index out of bounds: index ${start}, length ${length}`);
  }
  const stride = step.step ?? 1;
  if (stride <= 0) throw new JsonPathError('step must be > 0');
  return value.slice(start, end).filter((_, i) => i % stride === 0);
}

function filter(value: unknown, step: Extract<Step, { type: 'filter' }>): unknown[] {
  if (!Array.isArray(value)) throw new JsonPathError('value is not array or slice and cannot be filtered');
  return value.filter((element) => {
    const lefts = evaluate([element], step.left);
    if (step.op === 'exists') return lefts.length > 0;
    if (lefts.length === 0) return false;
    if (lefts.length > 1) throw new JsonPathError('can only compare one element at a time');
    const right = operandValue(element, step.right);
    return right !== undefined && compare(step.op, typed(lefts[0]), right);
  });
}

function operandValue(element: unknown, operand: Operand | undefined): Literal | undefined {
  if (operand === undefined) return undefined;
  if (operand.type === 'literal') return operand.literal;
  const rights = evaluate([element], operand.steps);
  if (rights.length > 1) throw new JsonPathError('can only compare one element at a time');
  return rights.length === 0 ? undefined : typed(rights[0]);
}

/** The Go kind a JSON value decodes to; anything else cannot be compared. */
function typed(value: unknown): Literal {
  if (typeof value === 'string') return { kind: 'string', value };
  if (typeof value === 'boolean') return { kind: 'bool', value };
  if (typeof value === 'number') return { kind: Number.isInteger(value) ? 'int' : 'float', value };
  throw new JsonPathError('invalid type for comparison');
}

/** Go template comparison: operands must share a kind, and booleans only support (in)equality. */
function compare(op: string, left: Literal, right: Literal): boolean {
  if (left.kind !== right.kind) throw new JsonPathError('incompatible types for comparison');
  if (op === '==') return left.value === right.value;
  if (op === '!=') return left.value !== right.value;
  if (left.kind === 'bool') throw new JsonPathError('invalid type for comparison');
  const order = left.value < right.value ? -1 : left.value > right.value ? 1 : 0;
  switch (op) {
    case '<':
      return order < 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '>=':
      return order >= 0;
    default:
      throw new JsonPathError(`unrecognized filter operator ${op}`);
  }
}
