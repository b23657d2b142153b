CREATE TABLE search_marks ( article_id INTEGER NOT NULL PRIMARY KEY, language VARCHAR(12) NOT NULL, analyzer VARCHAR(60) NOT NULL, indexed_at DATETIME NOT NULL, FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE);

CREATE VIRTUAL TABLE search_documents USING fts5( title, lead, body, outlet, author, tokenize = "unicode61 remove_diacritics 2 tokenchars '_'");

INSERT INTO schema_version (version, applied_at) VALUES (?, ?);

