# warden server configuration (Vault-compatible key names). Durations accept Go-style strings
# ("768h", "90m") or integer seconds. Unknown keys are an error, so typos cannot go unnoticed.

# One or more TCP listeners.
listener "tcp" {
  address         = "0.0.0.0:8200"            # host:port (default 127.0.0.1:8200)
  tls_disable     = false                     # default false: TLS on
  tls_cert_file   = "/etc/warden/tls/cert.pem" # required unless tls_disable = true
  tls_key_file    = "/etc/warden/tls/key.pem"
  tls_min_version = "tls12"                   # "tls12" (default) or "tls13"

  # Only these proxies may set X-Forwarded-For (comma string or list; CIDRs or addresses).
  x_forwarded_for_authorized_addrs      = ["10.0.0.0/8", "192.168.1.10"]
  x_forwarded_for_hop_skips             = 0     # trusted hops to skip from the right
  x_forwarded_for_reject_not_authorized = true  # default true: XFF from an unlisted peer -> error
  x_forwarded_for_reject_not_present    = true  # default true: listed peer without XFF -> error

  max_request_size = 33554432 # bytes (default 32 MiB); login bodies have a smaller cap of their own

  # Slow or hoarding clients: none of these may be 0 (Vault's key names and default timeouts).
  max_connections          = 4096  # connections open at once; more are closed as they arrive
  http_read_header_timeout = "10s" # to send a request's headers (and, with TLS, to finish the handshake)
  http_read_timeout        = "30s" # to send a whole request, body included (>= the header timeout)
  http_idle_timeout        = "5m"  # an idle keep-alive connection is closed after this

  # GET /v1/sys/metrics on this listener without a token (Vault's key; default false: a token with
  # read on sys/metrics is needed). Only for a listener that monitoring alone can reach.
  telemetry {
    unauthenticated_metrics_access = false
  }
}

# Exactly one storage block: SQLite ...
storage "sqlite" {
  path = "/var/lib/warden/warden.db"
}

# ... or PostgreSQL (WARDEN_PG_CONNECTION_URL in the environment overrides connection_url):
# storage "postgresql" {
#   connection_url  = "postgres://warden:secret@db:5432/warden?sslmode=verify-full"
#   table_prefix    = "warden"   # [a-z_][a-z0-9_]*
#   max_connections = 10
#   ha_enabled      = false
# }

default_lease_ttl = "768h" # default 768h; may not exceed max_lease_ttl
max_lease_ttl     = "768h" # default 768h

plugin_directory = "/etc/warden/plugins" # must exist and not be writable by group/other, or the server does not start
# Who may have written a plugin file (Vault's keys). Checked after the sha256 pin, at registration
# and before every import:
# plugin_file_uid         = 1001   # owner every plugin file must have (default: the server's own uid)
# plugin_file_permissions = "0640" # exact mode plugin files must have (default: any mode without group/other write)

# Audit devices may not have a `prefix` (caller-chosen text at the start of every line) unless this
# is true (Vault 1.20.1; default false). Applies to sys/audit and to the audit blocks below.
# allow_audit_log_prefixing = false

log_level        = "info" # trace | debug | info | warn | error
api_addr         = "https://warden.example.com:8200"
cluster_name     = "warden-prod"

# Metrics (GET /v1/sys/metrics?format=prometheus; see README "Observability").
telemetry {
  prometheus_retention_time = "24h" # default 24h; "0" turns the Prometheus format off (Vault)
  disable_hostname          = true  # accepted for Vault configs: warden's metric names never carry the host name
}

# Accepted so Vault configs load; they have no effect in warden.
ui            = false
disable_mlock = true

# Optional audit devices: audit "file" "<mount path>" { file_path = ..., other options }.
# These may write anywhere the server can. Devices enabled over the API (sys/audit) may not write
# into plugin_directory, the storage directory, a TLS certificate/key directory, this file's
# directory, the policy directory or the server's installation (400). No device may use a mode
# with execute bits.
audit "file" "file/" {
  file_path = "/var/log/warden/audit.log"
  log_raw   = "false"
}
