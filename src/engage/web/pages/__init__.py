"""One router per page; each page also registers the table it shows for download."""
