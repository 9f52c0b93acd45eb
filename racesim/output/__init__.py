"""FILES AND PICTURES: results folders, plots, report, text tables, stories."""
