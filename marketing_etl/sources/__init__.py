"""Report sources: one package per ad platform, each registering itself through `register(plugins)`."""
