/** Shapes shared by every printer, and the columns that most of them begin and end with. */
import type { KObject } from '../types';
import { DOC } from './docs';

/** metav1.TableColumnDefinition; every field is always present on the wire, even when empty. */
export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** Cells hold the JSON a Go printer appends: strings, int64s, bools, or nil. */
export type Cell = string | number | boolean | null;

/** metav1.TableRowCondition; pods report completion through it. */
export interface RowCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/**
 * A server-side printer. The API server always generates the wide form (priority-1 columns included) and
 * leaves it to kubectl to hide them unless `-o wide`, so `cells` returns every column.
 */
export interface Printer {
  columns: readonly ColumnDefinition[];
  cells(obj: KObject, now: number): Cell[];
  conditions?(obj: KObject): RowCondition[] | undefined;
}

interface ColumnOptions {
  format?: string;
  priority?: number;
}

export function column(
  name: string,
  type: string,
  description: string,
  opts: ColumnOptions = {},
): ColumnDefinition {
  return { name, type, format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

/** A column shown only by `-o wide`. */
export function wide(name: string, type: string, description: string): ColumnDefinition {
  return column(name, type, description, { priority: 1 });
}

export const NAME = column('Name', 'string', DOC['meta/v1.ObjectMeta.name'], { format: 'name' });
export const AGE = column('Age', 'string', DOC['meta/v1.ObjectMeta.creationTimestamp']);

export const CONTAINERS = wide('Containers', 'string', 'Names of each container in the template.');
export const IMAGES = wide('Images', 'string', 'Images referenced by each container in the template.');

/** The object's name, the first cell of nearly every row. */
export function nameOf(obj: KObject): string {
  return obj.metadata.name ?? '';
}
