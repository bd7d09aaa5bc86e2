/**
 * RAM ARNs: `acs:ram::<account>:role/<RoleName>` (what an operator binds a role to) and
 * `acs:ram::<account>:assumed-role/<RoleName>/<SessionName>` (what STS says a role session is).
 *
 * Parsing is closed: exactly five colon fields, an empty region, a numeric account, a known resource
 * type with exactly its number of slash parts, and conservative name charsets. Anything else is not an
 * ARN we can reason about, so it is refused rather than half-understood.
 */

export type ArnType = "role" | "assumed-role" | "user" | "root";

export interface ParsedArn {
  account: string;
  type: ArnType;
  /** role and assumed-role */
  roleName?: string;
  /** assumed-role */
  sessionName?: string;
  /** user */
  userName?: string;
  full: string;
}

const ACCOUNT = /^[0-9]{1,20}$/;
// RAM role names: letters, digits, "." and "-" (we also admit "_" to be safe), at most 64.
const ROLE_NAME = /^[A-Za-z0-9._-]{1,64}$/;
// Session names carry e-mail addresses and ECS instance ids: letters, digits and "._@=,-".
const SESSION_NAME = /^[A-Za-z0-9._@=,-]{1,128}$/;
const USER_NAME = /^[A-Za-z0-9._@-]{1,128}$/;

/** Parses any RAM ARN we accept from STS; undefined when it is not one. */
export function parseArn(input: string): ParsedArn | undefined {
  if (input.length === 0 || input.length > 512) return undefined;
  const fields = input.split(":");
  if (fields.length !== 5) return undefined;
  const [scheme, service, region, account, resource] = fields as [string, string, string, string, string];
  if (scheme !== "acs" || service !== "ram" || region !== "" || !ACCOUNT.test(account)) return undefined;
  if (resource === "root") return { account, type: "root", full: input };
  const parts = resource.split("/");
  switch (parts[0]) {
    case "role":
      if (parts.length !== 2 || !ROLE_NAME.test(parts[1]!)) return undefined;
      return { account, type: "role", roleName: parts[1]!, full: input };
    case "assumed-role":
      if (parts.length !== 3 || !ROLE_NAME.test(parts[1]!) || !SESSION_NAME.test(parts[2]!)) return undefined;
      return { account, type: "assumed-role", roleName: parts[1]!, sessionName: parts[2]!, full: input };
    case "user":
      if (parts.length !== 2 || !USER_NAME.test(parts[1]!)) return undefined;
      return { account, type: "user", userName: parts[1]!, full: input };
    default:
      return undefined;
  }
}

/**
 * The ARN an operator binds a warden role to: only `acs:ram::<16 digits>:role/<name>`. Returns an
 * error message (never echoing the input at length) or the parsed ARN.
 */
export function parseRoleArn(input: string): ParsedArn | string {
  const parsed = parseArn(input.trim());
  if (!parsed) return "arn must look like acs:ram::<16-digit account id>:role/<role name>";
  if (parsed.type !== "role") return `only role arn types are supported, but a ${parsed.type} arn was provided`;
  if (!/^[0-9]{16}$/.test(parsed.account)) return "the arn's account id must be 16 digits";
  return parsed;
}

/**
 * A role session belongs to a bound role when the account is the same (exactly: the account is the
 * trust boundary) and the role name is the same ignoring case (Alibaba lower-cases role names inside
 * ARNs while consoles show the mixed-case name, hashicorp/vault#6377). The session name is free.
 */
export function isMemberOf(caller: ParsedArn, bound: ParsedArn): boolean {
  return (
    caller.type === "assumed-role" &&
    bound.type === "role" &&
    caller.account === bound.account &&
    caller.roleName !== undefined &&
    bound.roleName !== undefined &&
    caller.roleName.toLowerCase() === bound.roleName.toLowerCase()
  );
}
