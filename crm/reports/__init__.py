"""Reports: the data of every list, summary and chart; the handlers render it."""
