"""Channel adapters: thin layers turning platform events into intake service calls."""
