CREATE INDEX ix_audit_log_issue_id ON audit_log (issue_id);

CREATE INDEX ix_issue_blocks_issue_id ON issue_blocks (issue_id);

CREATE INDEX ix_issue_items_issue_id ON issue_items (issue_id);

CREATE INDEX ix_issues_state ON issues (state);

CREATE TABLE audit_log (
	id INTEGER NOT NULL,
	issue_id INTEGER,
	at DATETIME NOT NULL,
	actor VARCHAR(120) NOT NULL,
	action VARCHAR(60) NOT NULL,
	language VARCHAR(12) DEFAULT '' NOT NULL,
	target TEXT DEFAULT '' NOT NULL,
	"before" TEXT,
	"after" TEXT,
	detail TEXT DEFAULT '' NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(issue_id) REFERENCES issues (id) ON DELETE CASCADE
);

CREATE TABLE issue_blocks (
	id INTEGER NOT NULL,
	issue_id INTEGER NOT NULL,
	language VARCHAR(12) NOT NULL,
	kind VARCHAR(40) NOT NULL,
	position INTEGER NOT NULL,
	title TEXT DEFAULT '' NOT NULL,
	body TEXT DEFAULT '' NOT NULL,
	link TEXT DEFAULT '' NOT NULL,
	updated_at DATETIME,
	updated_by VARCHAR(120) DEFAULT '' NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(issue_id) REFERENCES issues (id) ON DELETE CASCADE
);

CREATE TABLE issue_editions (
	issue_id INTEGER NOT NULL,
	language VARCHAR(12) NOT NULL,
	state VARCHAR(20) NOT NULL,
	approved_fingerprint VARCHAR(64) DEFAULT '' NOT NULL,
	approved_by VARCHAR(120) DEFAULT '' NOT NULL,
	approved_at DATETIME,
	note TEXT DEFAULT '' NOT NULL,
	PRIMARY KEY (issue_id, language),
	FOREIGN KEY(issue_id) REFERENCES issues (id) ON DELETE CASCADE
);

CREATE TABLE issue_item_texts (
	item_id INTEGER NOT NULL,
	language VARCHAR(12) NOT NULL,
	title TEXT NOT NULL,
	summary TEXT NOT NULL,
	origin VARCHAR(20) NOT NULL,
	source_language VARCHAR(12) NOT NULL,
	provider VARCHAR(40) DEFAULT '' NOT NULL,
	error TEXT DEFAULT '' NOT NULL,
	updated_at DATETIME,
	updated_by VARCHAR(120) DEFAULT '' NOT NULL,
	PRIMARY KEY (item_id, language),
	FOREIGN KEY(item_id) REFERENCES issue_items (id) ON DELETE CASCADE
);

CREATE TABLE issue_items (
	id INTEGER NOT NULL,
	issue_id INTEGER NOT NULL,
	story_id INTEGER NOT NULL,
	article_id INTEGER NOT NULL,
	section VARCHAR(40) NOT NULL,
	position INTEGER NOT NULL,
	status VARCHAR(20) NOT NULL,
	score FLOAT DEFAULT '0' NOT NULL,
	url TEXT NOT NULL,
	outlet TEXT DEFAULT '' NOT NULL,
	published DATETIME,
	language VARCHAR(12) NOT NULL,
	regions TEXT DEFAULT '[]' NOT NULL,
	also_in TEXT DEFAULT '[]' NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT uq_issue_items_story UNIQUE (issue_id, story_id),
	FOREIGN KEY(issue_id) REFERENCES issues (id) ON DELETE CASCADE,
	FOREIGN KEY(article_id) REFERENCES articles (id)
);

CREATE TABLE issues (
	id INTEGER NOT NULL,
	slug VARCHAR(120) NOT NULL,
	publication VARCHAR(20) NOT NULL,
	title TEXT DEFAULT '' NOT NULL,
	period_from DATETIME NOT NULL,
	period_to DATETIME NOT NULL,
	languages TEXT NOT NULL,
	sections TEXT DEFAULT '[]' NOT NULL,
	state VARCHAR(20) NOT NULL,
	warnings TEXT DEFAULT '[]' NOT NULL,
	created_at DATETIME NOT NULL,
	created_by VARCHAR(120) DEFAULT '' NOT NULL,
	scheduled_for DATETIME,
	PRIMARY KEY (id),
	UNIQUE (slug)
);

CREATE TABLE translations (
	"key" VARCHAR(64) NOT NULL,
	source_language VARCHAR(12) NOT NULL,
	target_language VARCHAR(12) NOT NULL,
	text TEXT NOT NULL,
	provider VARCHAR(40) DEFAULT '' NOT NULL,
	created_at DATETIME NOT NULL,
	PRIMARY KEY ("key")
);

INSERT INTO schema_version (version, applied_at) VALUES (?, ?);

