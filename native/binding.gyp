{
  "targets": [
    {
      "target_name": "warden_gcm",
      "sources": ["gcm.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
