CREATE INDEX ix_consent_records_subscriber_id ON consent_records (subscriber_id);

CREATE INDEX ix_delivery_attempts_outbox_id ON delivery_attempts (outbox_id);

CREATE INDEX ix_outbox_issue_status ON outbox (issue_id, status, id);

CREATE INDEX ix_outbox_subscriber ON outbox (subscriber_id);

CREATE INDEX ix_subscribers_status ON subscribers (status);

CREATE TABLE bounce_reports (
	id SERIAL NOT NULL,
	report_key VARCHAR(64) NOT NULL,
	at TIMESTAMP WITH TIME ZONE NOT NULL,
	kind VARCHAR(20) NOT NULL,
	email_hash VARCHAR(64) DEFAULT '' NOT NULL,
	detail TEXT DEFAULT '' NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (report_key)
);

CREATE TABLE consent_records (
	id SERIAL NOT NULL,
	subscriber_id INTEGER NOT NULL,
	at TIMESTAMP WITH TIME ZONE NOT NULL,
	action VARCHAR(30) NOT NULL,
	method VARCHAR(30) NOT NULL,
	form VARCHAR(80) DEFAULT '' NOT NULL,
	wording_version VARCHAR(40) DEFAULT '' NOT NULL,
	ip VARCHAR(64) DEFAULT '' NOT NULL,
	user_agent TEXT DEFAULT '' NOT NULL,
	detail TEXT DEFAULT '' NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(subscriber_id) REFERENCES subscribers (id) ON DELETE CASCADE
);

CREATE TABLE delivery_attempts (
	id SERIAL NOT NULL,
	outbox_id INTEGER NOT NULL,
	attempt_id VARCHAR(32) NOT NULL,
	at TIMESTAMP WITH TIME ZONE NOT NULL,
	outcome VARCHAR(30) NOT NULL,
	code INTEGER,
	response TEXT DEFAULT '' NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(outbox_id) REFERENCES outbox (id) ON DELETE CASCADE
);

CREATE TABLE issue_sends (
	issue_id INTEGER NOT NULL,
	built_at TIMESTAMP WITH TIME ZONE NOT NULL,
	built_by VARCHAR(120) DEFAULT '' NOT NULL,
	total INTEGER NOT NULL,
	finished_at TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (issue_id),
	FOREIGN KEY(issue_id) REFERENCES issues (id) ON DELETE CASCADE
);

CREATE TABLE outbox (
	id SERIAL NOT NULL,
	issue_id INTEGER NOT NULL,
	language VARCHAR(12) NOT NULL,
	subscriber_id INTEGER,
	recipient VARCHAR(320) NOT NULL,
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
	PRIMARY KEY (id),
	CONSTRAINT uq_outbox_issue_language_subscriber UNIQUE (issue_id, language, subscriber_id),
	CONSTRAINT uq_outbox_issue_subscriber UNIQUE (issue_id, subscriber_id),
	FOREIGN KEY(issue_id) REFERENCES issues (id) ON DELETE CASCADE,
	FOREIGN KEY(subscriber_id) REFERENCES subscribers (id) ON DELETE SET NULL,
	UNIQUE (message_id)
);

CREATE TABLE subscriber_publications (
	subscriber_id INTEGER NOT NULL,
	publication VARCHAR(30) NOT NULL,
	PRIMARY KEY (subscriber_id, publication),
	FOREIGN KEY(subscriber_id) REFERENCES subscribers (id) ON DELETE CASCADE
);

CREATE TABLE subscribers (
	id SERIAL NOT NULL,
	email VARCHAR(320) NOT NULL,
	email_key VARCHAR(320) NOT NULL,
	language VARCHAR(12) NOT NULL,
	fallback VARCHAR(60) DEFAULT '' NOT NULL,
	status VARCHAR(20) NOT NULL,
	link_key VARCHAR(32) NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
	confirmed_at TIMESTAMP WITH TIME ZONE,
	unsubscribed_at TIMESTAMP WITH TIME ZONE,
	confirmation_sent_at TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (email_key)
);

CREATE TABLE suppressions (
	email_hash VARCHAR(64) NOT NULL,
	reason VARCHAR(20) NOT NULL,
	at TIMESTAMP WITH TIME ZONE NOT NULL,
	detail TEXT DEFAULT '' NOT NULL,
	PRIMARY KEY (email_hash)
);

INSERT INTO schema_version (version, applied_at) VALUES (%(version)s::INTEGER, %(applied_at)s::TIMESTAMP WITH TIME ZONE);

