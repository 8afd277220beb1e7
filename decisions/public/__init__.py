"""The public register, read without login."""
