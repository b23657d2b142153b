CREATE INDEX ix_articles_duplicate_of ON articles (duplicate_of);

CREATE INDEX ix_articles_published ON articles (published);

CREATE INDEX ix_articles_state ON articles (state);

CREATE INDEX ix_articles_title_key ON articles (title_key);

CREATE INDEX ix_fetch_events_source_at ON fetch_events (source_id, at);

CREATE INDEX ix_fetch_events_source_id ON fetch_events (source_id);

CREATE INDEX ix_url_aliases_article_id ON url_aliases (article_id);

CREATE TABLE article_sources (
	article_id INTEGER NOT NULL,
	source_id VARCHAR(120) NOT NULL,
	entry_url TEXT NOT NULL,
	discovered DATETIME NOT NULL,
	PRIMARY KEY (article_id, source_id),
	FOREIGN KEY(article_id) REFERENCES articles (id),
	FOREIGN KEY(source_id) REFERENCES sources (id)
);

CREATE TABLE articles (
	id INTEGER NOT NULL,
	url TEXT NOT NULL,
	state VARCHAR(20) NOT NULL,
	title TEXT DEFAULT '' NOT NULL,
	title_key TEXT DEFAULT '' NOT NULL,
	text TEXT DEFAULT '' NOT NULL,
	summary TEXT DEFAULT '' NOT NULL,
	author TEXT DEFAULT '' NOT NULL,
	sitename TEXT DEFAULT '' NOT NULL,
	language VARCHAR(12) DEFAULT '' NOT NULL,
	feed_language VARCHAR(12) DEFAULT '' NOT NULL,
	published DATETIME,
	feed_published DATETIME,
	date_source VARCHAR(10) DEFAULT '' NOT NULL,
	discovered DATETIME NOT NULL,
	fetched_at DATETIME,
	attempts INTEGER DEFAULT '0' NOT NULL,
	partial_reason VARCHAR(40),
	partial_detail TEXT,
	duplicate_of INTEGER,
	PRIMARY KEY (id),
	FOREIGN KEY(duplicate_of) REFERENCES articles (id)
);

CREATE TABLE fetch_events (
	id INTEGER NOT NULL,
	source_id VARCHAR(120) NOT NULL,
	at DATETIME NOT NULL,
	status VARCHAR(40) NOT NULL,
	http_status INTEGER,
	detail TEXT DEFAULT '' NOT NULL,
	new_items INTEGER DEFAULT '0' NOT NULL,
	duration_ms INTEGER DEFAULT '0' NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(source_id) REFERENCES sources (id)
);

CREATE TABLE runs (
	id INTEGER NOT NULL,
	kind VARCHAR(20) NOT NULL,
	started DATETIME NOT NULL,
	finished DATETIME,
	status VARCHAR(20) NOT NULL,
	summary TEXT DEFAULT '{}' NOT NULL,
	PRIMARY KEY (id)
);

CREATE TABLE schema_version (
	version INTEGER NOT NULL,
	applied_at DATETIME NOT NULL,
	PRIMARY KEY (version)
);

CREATE TABLE sources (
	id VARCHAR(120) NOT NULL,
	name TEXT NOT NULL,
	url TEXT NOT NULL,
	kind VARCHAR(20) NOT NULL,
	language VARCHAR(12) NOT NULL,
	country VARCHAR(8) DEFAULT '' NOT NULL,
	region VARCHAR(20) DEFAULT 'global' NOT NULL,
	outlet_type VARCHAR(20) DEFAULT 'press' NOT NULL,
	tags TEXT DEFAULT '[]' NOT NULL,
	enabled BOOLEAN DEFAULT 1 NOT NULL,
	in_registry BOOLEAN DEFAULT 1 NOT NULL,
	etag TEXT,
	last_modified TEXT,
	content_hash VARCHAR(64),
	polls_since_unconditional INTEGER DEFAULT '0' NOT NULL,
	validators_trusted BOOLEAN DEFAULT 1 NOT NULL,
	consecutive_failures INTEGER DEFAULT '0' NOT NULL,
	last_status VARCHAR(40),
	last_detail TEXT,
	last_fetch DATETIME,
	last_success DATETIME,
	last_new_item DATETIME,
	next_due DATETIME,
	first_seen DATETIME,
	PRIMARY KEY (id)
);

CREATE TABLE url_aliases (
	url_key TEXT NOT NULL,
	article_id INTEGER NOT NULL,
	PRIMARY KEY (url_key),
	FOREIGN KEY(article_id) REFERENCES articles (id)
);

INSERT INTO schema_version (version, applied_at) VALUES (?, ?);

