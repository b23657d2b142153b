INSERT INTO schema_version (version, applied_at) VALUES (%(version)s::INTEGER, %(applied_at)s::TIMESTAMP WITH TIME ZONE);

