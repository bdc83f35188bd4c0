"""Application services: each runs one operator task over the ports, around the pure domain."""
