"""Test helpers: local HTTP servers (a fake hub, a fake platform API) and a worker driven over a socket pair."""
