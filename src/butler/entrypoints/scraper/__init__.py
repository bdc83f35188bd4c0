"""`aztec-butler-scraper`: the entry point, its cycle loop, its Prometheus collector and its /metrics
server."""
