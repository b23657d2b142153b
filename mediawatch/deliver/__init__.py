"""Delivery: subscribers, opt-in, the outbox, SMTP, bounces (docs/deliver.md).

Import from the modules (this package imports nothing itself, so ``deliver.smtp`` stays light for other
stages that only need to send a mail):

- :mod:`.subscribers`: ``subscribe``, ``confirm``, ``unsubscribe``, ``resubscribe``, ``change_preferences``,
  ``add_confirmed``, ``remove``, ``export_data``, ``mark_undeliverable``, ``send_optin``; ``Origin`` (how a
  request came, for the consent record), ``CONSENT_WORDING_VERSION``;
- :mod:`.csvio`: ``import_csv`` (good rows in, bad rows reported by line) and ``export_csv``;
- :mod:`.send`: ``send_issue`` (refuse, build the outbox once, deliver exactly once), ``send_status``;
  :mod:`.preview`: ``dry_run``, ``send_test``; their errors (``NotSendable``, ``ServerUnreachable``, ...)
  are in :mod:`mediawatch.errors`;
- :mod:`.bounces`: ``import_bounces`` (DSN, ARF, mailto unsubscribes from a Maildir or an mbox);
- :mod:`.links`: signed personal links (``link_signer``, ``LinkPurpose``, ``subscriber_for``);
- :mod:`.smtp`: ``parse_smtp_url``, ``SmtpSession`` (one reused connection, one transaction per message);
- :mod:`.identity`, :mod:`.mime`, :mod:`.editions`, :mod:`.optin`, :mod:`.addresses`: the parts.

Layer: the last stage, after review; imports leaves, the store's protocols and earlier stages. The layers:
pyproject.toml [tool.importlinter] and docs/design.md.
"""
