"""Notifications in the app and by email, reminders, and the sweep that sends them."""
