"""What people see: the web map, the offline map, posters, share cards, excerpts."""
