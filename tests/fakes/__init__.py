"""Local fake servers that follow the documented wire formats of hosted backends."""
