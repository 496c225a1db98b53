/**
 * A set of field paths, shaped like the FieldsV1 documents in `metadata.managedFields`: every node knows
 * which of its child elements are members of the set and which lead to deeper members. A path can be both
 * (FieldsV1 writes that as `".": {}` inside the child).
 */
import { type Json, type JsonObject, isJsonObject } from '../types';
import { type Path, type PathElement, canonicalElement, compareElements } from './path-element';

export class FieldSet {
  private readonly members = new Set<PathElement>();
  private readonly children = new Map<PathElement, FieldSet>();

  static of(paths: readonly Path[]): FieldSet {
    const set = new FieldSet();
    for (const path of paths) set.insert(path);
    return set;
  }

  static fromFieldsV1(json: Json | undefined): FieldSet {
    const set = new FieldSet();
    if (!isJsonObject(json)) return set;
    for (const [raw, value] of Object.entries(json)) {
      if (raw === '.') continue;
      const element = canonicalElement(raw);
      if (!isJsonObject(value) || Object.keys(value).length === 0 || '.' in value) set.members.add(element);
      const child = FieldSet.fromFieldsV1(value);
      if (!child.isEmpty()) set.children.set(element, child);
    }
    return set;
  }

  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    for (const element of this.elements()) {
      const child = this.children.get(element);
      const node: JsonObject = child !== undefined && this.members.has(element) ? { '.': {} } : {};
      out[element] = child === undefined ? node : Object.assign(node, child.toFieldsV1());
    }
    return out;
  }

  insert(path: Path): void {
    const [head, ...rest] = path;
    if (head === undefined) return;
    if (rest.length === 0) {
      this.members.add(head);
      return;
    }
    let child = this.children.get(head);
    if (child === undefined) {
      child = new FieldSet();
      this.children.set(head, child);
    }
    child.insert(rest);
  }

  has(path: Path): boolean {
    const [head, ...rest] = path;
    if (head === undefined) return false;
    if (rest.length === 0) return this.members.has(head);
    return this.children.get(head)?.has(rest) ?? false;
  }

  hasMember(element: PathElement): boolean {
    return this.members.has(element);
  }

  child(element: PathElement): FieldSet | undefined {
    return this.children.get(element);
  }

  isEmpty(): boolean {
    if (this.members.size > 0) return false;
    for (const child of this.children.values()) if (!child.isEmpty()) return false;
    return true;
  }

  union(other: FieldSet): FieldSet {
    const out = this.copy();
    for (const member of other.members) out.members.add(member);
    for (const [element, child] of other.children) {
      const mine = out.children.get(element);
      out.children.set(element, mine === undefined ? child.copy() : mine.union(child));
    }
    return out;
  }

  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const member of this.members) if (!other.members.has(member)) out.members.add(member);
    for (const [element, child] of this.children) {
      const theirs = other.children.get(element);
      out.setChild(element, theirs === undefined ? child.copy() : child.difference(theirs));
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const member of this.members) if (other.members.has(member)) out.members.add(member);
    for (const [element, child] of this.children) {
      const theirs = other.children.get(element);
      if (theirs !== undefined) out.setChild(element, child.intersection(theirs));
    }
    return out;
  }

  /**
   * Makes every field (`f:`) that leads to a member a member itself. The server does this for struct
   * fields before pruning, so that a struct the applier stopped sending goes away as a whole; without a
   * schema every field name is treated as a struct field.
   */
  withFieldsAsMembers(): FieldSet {
    const out = new FieldSet();
    for (const member of this.members) out.members.add(member);
    for (const [element, child] of this.children) {
      if (child.isEmpty()) continue;
      if (element.startsWith('f:')) out.members.add(element);
      out.children.set(element, child.withFieldsAsMembers());
    }
    return out;
  }

  /** The set without the given top-level elements and everything beneath them. */
  withoutTopLevel(elements: readonly PathElement[]): FieldSet {
    const out = this.copy();
    for (const element of elements) {
      out.members.delete(element);
      out.children.delete(element);
    }
    return out;
  }

  /** The set restricted to the given top-level elements and everything beneath them. */
  onlyTopLevel(elements: readonly PathElement[]): FieldSet {
    const out = new FieldSet();
    for (const element of elements) {
      if (this.members.has(element)) out.members.add(element);
      const child = this.children.get(element);
      if (child !== undefined) out.children.set(element, child.copy());
    }
    return out;
  }

  /** Every member path, in the order the server iterates them: a node's members, then its children. */
  paths(): PathElement[][] {
    const out: PathElement[][] = [...this.members].sort(compareElements).map((member) => [member]);
    const childElements = [...this.children.keys()].sort(compareElements);
    for (const element of childElements) {
      for (const rest of this.children.get(element)!.paths()) out.push([element, ...rest]);
    }
    return out;
  }

  private elements(): PathElement[] {
    const all = new Set<PathElement>(this.members);
    for (const [element, child] of this.children) if (!child.isEmpty()) all.add(element);
    return [...all].sort(compareElements);
  }

  private setChild(element: PathElement, child: FieldSet): void {
    if (!child.isEmpty()) this.children.set(element, child);
  }

  private copy(): FieldSet {
    const out = new FieldSet();
    for (const member of this.members) out.members.add(member);
    for (const [element, child] of this.children) out.children.set(element, child.copy());
    return out;
  }
}
