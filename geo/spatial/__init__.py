"""Points and areas: area assignment, public points, counts and clusters, distances."""
