"""The source registry (feeds/*.toml: :mod:`.registry`) and its OPML import/export (:mod:`.opml`)."""
