CREATE INDEX ix_search_documents_document ON search_documents USING GIN (document);

CREATE TABLE search_documents ( article_id INTEGER NOT NULL PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE, document TSVECTOR NOT NULL);

CREATE TABLE search_marks ( article_id INTEGER NOT NULL PRIMARY KEY, language VARCHAR(12) NOT NULL, analyzer VARCHAR(60) NOT NULL, indexed_at TIMESTAMP WITH TIME ZONE NOT NULL, FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE);

INSERT INTO schema_version (version, applied_at) VALUES (%(version)s::INTEGER, %(applied_at)s::TIMESTAMP WITH TIME ZONE);

