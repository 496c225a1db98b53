/** Checks and defaults for the deploy commands' input boxes; `undefined` means the value is fine. */

/** Kubernetes stores replicas as int32; anything else is refused by the API server anyway. */
const MAX_REPLICAS = 2_147_483_647;

export function replicasError(text: string): string | undefined {
  const v = text.trim();
  if (!/^\d+$/.test(v)) return 'Enter a whole number of 0 or more.';
  if (Number(v) > MAX_REPLICAS) return `Enter at most ${MAX_REPLICAS}.`;
  return undefined;
}

export function imageError(text: string): string | undefined {
  const v = text.trim();
  if (v === '' || /\s/.test(v)) return 'Enter an image such as ghcr.io/team/api:1.4.2';
  return undefined;
}

/**
 * The part of an image reference to preselect, so typing replaces the tag: after the last ':' that
 * follows the last '/' (a registry's port is not a tag). The whole reference when it has no tag.
 */
export function tagSelection(image: string): [number, number] {
  const colon = image.lastIndexOf(':');
  const at = image.indexOf('@');
  if (at >= 0) return [at, image.length];
  return colon > image.lastIndexOf('/') ? [colon + 1, image.length] : [0, image.length];
}
