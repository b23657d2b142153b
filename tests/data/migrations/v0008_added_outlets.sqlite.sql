INSERT INTO schema_version (version, applied_at) VALUES (?, ?);

