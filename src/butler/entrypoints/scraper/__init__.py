"""`aztec-butler-scraper`: the entry point, its Prometheus collector and its /metrics server."""
