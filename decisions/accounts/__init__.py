"""Users, roles, logging in and out, server-side sessions."""
