# For the people who run warden's auth methods: mount and tune methods, manage their roles and
# policies, read (not write) audit devices. Not root: no token creation with arbitrary policies.
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
}
path "auth/+/roles" {
  capabilities = ["list"]
}
path "auth/+/config" {
  capabilities = ["read", "update"]
}
path "sys/policies/acl/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}
path "sys/audit" {
  capabilities = ["read", "sudo"]
}
