"""Uploaded attachments and the file store they and the published PDFs live in."""
