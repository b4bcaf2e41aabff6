"""The web console under /app: server-rendered pages over the same services and scopes as /v1."""
