"""PDF documents with reportlab: plain data in, PDF bytes out. Text from data is drawn as text, never markup."""
