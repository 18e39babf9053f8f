"""Chat rooms: their model, storage, membership and policies (PROTOCOL.md §5, §6.5, §7.11–§7.13)."""
