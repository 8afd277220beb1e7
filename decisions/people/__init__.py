"""People and accounts administered in the browser: invitations, roles and members,
deactivation, a lost second factor."""
