"""Collection stage: fetch sources over HTTP, parse feeds, extract article pages."""
