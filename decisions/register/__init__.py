"""The decision register: adopted resolutions, numbered per year (2026/001)."""
