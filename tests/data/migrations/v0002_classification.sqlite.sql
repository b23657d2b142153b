CREATE INDEX ix_classifications_relevant ON classifications (relevant);

CREATE INDEX ix_classifications_version ON classifications (version);

CREATE INDEX ix_editor_decisions_article_id ON editor_decisions (article_id);

CREATE INDEX ix_story_members_story_id ON story_members (story_id);

CREATE TABLE classifications (
	article_id INTEGER NOT NULL,
	language VARCHAR(12) NOT NULL,
	language_confidence FLOAT NOT NULL,
	relevant BOOLEAN NOT NULL,
	relevance FLOAT NOT NULL,
	uncertain BOOLEAN NOT NULL,
	matched_terms TEXT NOT NULL,
	themes TEXT NOT NULL,
	regions TEXT NOT NULL,
	objectives TEXT NOT NULL,
	version VARCHAR(64) NOT NULL,
	classified_at DATETIME NOT NULL,
	PRIMARY KEY (article_id),
	FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE CASCADE
);

CREATE TABLE editor_decisions (
	id INTEGER NOT NULL,
	article_id INTEGER NOT NULL,
	accepted BOOLEAN NOT NULL,
	actor VARCHAR(120) NOT NULL,
	at DATETIME NOT NULL,
	context TEXT DEFAULT '' NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE CASCADE
);

CREATE TABLE story_members (
	article_id INTEGER NOT NULL,
	story_id INTEGER NOT NULL,
	signature BLOB NOT NULL,
	PRIMARY KEY (article_id),
	FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE CASCADE
);

INSERT INTO schema_version (version, applied_at) VALUES (?, ?);

