"""halo-forge model worker: a PyTorch child process that speaks JSON lines (see PROTOCOL.md)."""
PROTOCOL_VERSION = 1
