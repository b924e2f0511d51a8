"""One router per resource: predictions, customers, health, admin."""
