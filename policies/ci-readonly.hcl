# Loaded at every boot (files in policies/ are written over stored policies of the same name).
# A workload that logged in may look at, renew and revoke its own token, and nothing else.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}
