"""Trust levels: reading and visit stats, automatic promotion, per-level posting limits."""
