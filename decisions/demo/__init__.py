"""Not production code: the demo data (`data`), the scale generator for measuring
(`scale`) and their `flask demo` commands (`cli`)."""
