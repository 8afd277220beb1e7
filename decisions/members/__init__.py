"""Member organisations of the alliance and their subregions."""
