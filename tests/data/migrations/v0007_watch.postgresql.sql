ALTER TABLE users ADD COLUMN email VARCHAR(320) NOT NULL DEFAULT '';

CREATE INDEX ix_story_pins_open ON story_pins (publication, used_issue_id);

CREATE INDEX ix_submissions_article_id ON submissions (article_id);

CREATE INDEX ix_submissions_author ON submissions (author);

CREATE INDEX ix_submissions_status ON submissions (status);

CREATE INDEX ix_watch_mail_status ON watch_mail (status);

CREATE TABLE article_corrections (
	article_id INTEGER NOT NULL,
	field VARCHAR(20) NOT NULL,
	value TEXT NOT NULL,
	actor VARCHAR(120) NOT NULL,
	at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (article_id, field),
	FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE CASCADE
);

CREATE TABLE story_pins (
	id SERIAL NOT NULL,
	story_id INTEGER NOT NULL,
	publication VARCHAR(20) NOT NULL,
	pinned_by VARCHAR(120) NOT NULL,
	pinned_at TIMESTAMP WITH TIME ZONE NOT NULL,
	used_issue_id INTEGER,
	used_at TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	CONSTRAINT uq_story_pins_story_publication UNIQUE (story_id, publication),
	FOREIGN KEY(used_issue_id) REFERENCES issues (id) ON DELETE SET NULL
);

CREATE TABLE submissions (
	id SERIAL NOT NULL,
	author VARCHAR(64) NOT NULL,
	url TEXT DEFAULT '' NOT NULL,
	title TEXT DEFAULT '' NOT NULL,
	text TEXT DEFAULT '' NOT NULL,
	language VARCHAR(12) DEFAULT '' NOT NULL,
	region VARCHAR(60) DEFAULT '' NOT NULL,
	note TEXT DEFAULT '' NOT NULL,
	status VARCHAR(20) NOT NULL,
	detail TEXT DEFAULT '' NOT NULL,
	article_id INTEGER,
	submitted_at TIMESTAMP WITH TIME ZONE NOT NULL,
	reviewed_by VARCHAR(120) DEFAULT '' NOT NULL,
	reviewed_at TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE SET NULL
);

CREATE TABLE watch_mail (
	id SERIAL NOT NULL,
	watch_id INTEGER NOT NULL,
	kind VARCHAR(10) NOT NULL,
	period_end TIMESTAMP WITH TIME ZONE NOT NULL,
	recipient VARCHAR(320) NOT NULL,
	language VARCHAR(12) NOT NULL,
	subject TEXT NOT NULL,
	body_text TEXT NOT NULL,
	body_html TEXT DEFAULT '' NOT NULL,
	stories TEXT DEFAULT '[]' NOT NULL,
	message_id VARCHAR(255) NOT NULL,
	status VARCHAR(20) NOT NULL,
	attempts INTEGER DEFAULT '0' NOT NULL,
	next_attempt_at TIMESTAMP WITH TIME ZONE NOT NULL,
	attempt_id VARCHAR(32) DEFAULT '' NOT NULL,
	data_sent_at TIMESTAMP WITH TIME ZONE,
	sent_at TIMESTAMP WITH TIME ZONE,
	confirmed BOOLEAN DEFAULT false NOT NULL,
	last_code INTEGER,
	last_response TEXT DEFAULT '' NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT uq_watch_mail_watch_kind_period UNIQUE (watch_id, kind, period_end),
	FOREIGN KEY(watch_id) REFERENCES watches (id) ON DELETE CASCADE,
	UNIQUE (message_id)
);

CREATE TABLE watches (
	id SERIAL NOT NULL,
	name VARCHAR(120) NOT NULL,
	owner VARCHAR(64) NOT NULL,
	query TEXT NOT NULL,
	filters TEXT DEFAULT '{}' NOT NULL,
	every VARCHAR(10) NOT NULL,
	language VARCHAR(12) NOT NULL,
	email VARCHAR(320) DEFAULT '' NOT NULL,
	feed_key VARCHAR(64) NOT NULL,
	active BOOLEAN DEFAULT true NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	created_by VARCHAR(120) DEFAULT '' NOT NULL,
	last_digest_at TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (name),
	UNIQUE (feed_key)
);

INSERT INTO schema_version (version, applied_at) VALUES (%(version)s::INTEGER, %(applied_at)s::TIMESTAMP WITH TIME ZONE);

