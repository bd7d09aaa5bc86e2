# A workload that logged in may look at, renew and revoke its own token, and nothing else.
# Managed by this file: read-only through the API (edit the file and restart to change it).
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}
