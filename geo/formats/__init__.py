"""Files in and out: a user's layer file, zip archives, tables of reports, exports."""
