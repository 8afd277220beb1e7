"""Search over agendas, minutes and decisions."""
