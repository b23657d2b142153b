CREATE INDEX ix_item_comments_issue_id ON item_comments (issue_id);

CREATE INDEX ix_login_attempts_name_at ON login_attempts (name, at);

CREATE INDEX ix_login_attempts_remote_at ON login_attempts (remote, at);

CREATE INDEX ix_web_sessions_user_id ON web_sessions (user_id);

CREATE TABLE item_comments (
	id SERIAL NOT NULL,
	issue_id INTEGER NOT NULL,
	item_id INTEGER NOT NULL,
	author VARCHAR(120) NOT NULL,
	body TEXT NOT NULL,
	at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(issue_id) REFERENCES issues (id) ON DELETE CASCADE,
	FOREIGN KEY(item_id) REFERENCES issue_items (id) ON DELETE CASCADE
);

CREATE TABLE login_attempts (
	id SERIAL NOT NULL,
	name VARCHAR(120) NOT NULL,
	remote VARCHAR(64) DEFAULT '' NOT NULL,
	at TIMESTAMP WITH TIME ZONE NOT NULL,
	success BOOLEAN NOT NULL,
	PRIMARY KEY (id)
);

CREATE TABLE users (
	id SERIAL NOT NULL,
	name VARCHAR(64) NOT NULL,
	role VARCHAR(20) NOT NULL,
	password_hash TEXT NOT NULL,
	language VARCHAR(12) DEFAULT 'en' NOT NULL,
	active BOOLEAN DEFAULT true NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (name)
);

CREATE TABLE web_sessions (
	token_hash VARCHAR(64) NOT NULL,
	user_id INTEGER NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (token_hash),
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE
);

INSERT INTO schema_version (version, applied_at) VALUES (%(version)s::INTEGER, %(applied_at)s::TIMESTAMP WITH TIME ZONE);

