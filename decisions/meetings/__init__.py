"""Groups, their meetings, agendas, minutes and the PDFs published from them."""
