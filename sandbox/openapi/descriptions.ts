/**
 * Standard field descriptions of the real documents for fields whose text client-node does not carry:
 * its generator drops the doc comment of every field whose type is another model.
 */
const CONVENTIONS = 'https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md';

export const API_VERSION_DESCRIPTION = `APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: ${CONVENTIONS}#resources`;
export const KIND_DESCRIPTION = `Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: ${CONVENTIONS}#types-kinds`;
export const METADATA_DESCRIPTION = `Standard object's metadata. More info: ${CONVENTIONS}#metadata`;
export const LIST_METADATA_DESCRIPTION = `Standard list metadata. More info: ${CONVENTIONS}#types-kinds`;

export function specDescription(kind: string): string {
  return `Specification of the desired behavior of the ${kind}. More info: ${CONVENTIONS}#spec-and-status`;
}

export function statusDescription(kind: string): string {
  return `Most recently observed status of the ${kind}. This data may be out of date by some window of time. Populated by the system. Read-only. More info: ${CONVENTIONS}#spec-and-status`;
}
