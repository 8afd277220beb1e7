"""The audit trail: every state change, who made it, before and after."""
