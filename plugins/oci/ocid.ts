/**
 * OCIDs: `ocid1.<resource-type>.<realm>.[region][.future].<unique>`. Checked by shape only (a
 * closed grammar, lower-case ASCII), so that a value typed into config, a role or a login body can
 * be compared byte-for-byte with what OCI returns, and can be placed in a URL path without escaping
 * surprises.
 */
const OCID = /^ocid1\.([a-z][a-z0-9]{0,31})\.(oc[0-9]{1,3})\.([a-z0-9-]{0,32})\.(?:[a-z0-9-]{1,32}\.)?([a-z0-9]{1,128})$/;

export type OcidKind = "tenancy" | "user" | "group" | "dynamicgroup" | "instance";

/** The resource type of a well-formed OCID, or undefined. */
export function ocidType(value: string): string | undefined {
  if (value.length > 255) return undefined;
  return OCID.exec(value)?.[1];
}

export function isOcid(value: string, ...kinds: OcidKind[]): boolean {
  const t = ocidType(value);
  return t !== undefined && (kinds.length === 0 || (kinds as string[]).includes(t));
}
