"""Follow-up of decisions and of actions in minutes: items with an owner, a due date,
status, progress and weight, updated by their owner; reminders before and on the due
date; the decision's roll-up."""
