"""Our files on the local filesystem: the JSON formats, network configs and presets, atomic writes."""
