"""Data to load into a hub database: the demo stories and a synthetic Fujian."""
