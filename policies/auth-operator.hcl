# For the people who run warden's auth methods: mount, tune and configure methods, manage their roles,
# read (not write) policies and audit devices. Not root, and it cannot make anyone (itself included:
# whoever manages a role can log in with it) more powerful than the policies delegated to it:
# - no write to any policy (sys/policies/acl/*, sys/policy/*), no token creation, no identity store;
# - a role may only hand out "default", "ci-readonly" and policies named "app-*": the
#   allowed_parameters below constrain token_policies and its legacy alias policies (every element of a
#   list or comma string is checked). Name a policy "app-..." only if auth operators may give it out.
# Managed by this file: read-only through the API (edit the file and restart to change it).
path "sys/auth" {
  capabilities = ["read"]
}
path "sys/auth/*" {
  capabilities = ["create", "read", "update", "delete", "sudo"]
}
path "sys/mounts/auth/*" {
  capabilities = ["read", "update"]
}
path "auth/+/role/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
  allowed_parameters = {
    "*"              = []
    "token_policies" = ["default", "ci-readonly", "app-*"]
    "policies"       = ["default", "ci-readonly", "app-*"]
  }
}
path "auth/+/roles" {
  capabilities = ["list"]
}
path "auth/+/config" {
  capabilities = ["read", "update"]
}
path "sys/policies/acl" {
  capabilities = ["list"]
}
path "sys/policies/acl/*" {
  capabilities = ["read", "list"]
}
path "sys/audit" {
  capabilities = ["read", "sudo"]
}
