/* sqlite_schema.c: the SQLite schema as numbered migrations, applied in
 * order at open (PRAGMA user_version records how far a database is). A
 * migration is never edited once released: changes go in a new one. */
#include "store/sqlite_int.h"
#include <stdio.h>
#include <string.h>

static const char *migrations[] = {
    /* 1: the walking skeleton */
    "CREATE TABLE departments ("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY, login TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('admin','handler','moderator','leader')),"
    "  department_id INTEGER REFERENCES departments(id),"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE TABLE sessions ("
    "  token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),"
    "  csrf_token TEXT NOT NULL, expires_at INTEGER NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))) WITHOUT ROWID;"
    "CREATE TABLE consultations ("
    "  id INTEGER PRIMARY KEY, title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
    "  kind TEXT NOT NULL DEFAULT 'consultation' CHECK (kind IN ('consultation','board')),"
    "  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE TABLE messages ("
    "  id INTEGER PRIMARY KEY, consultation_id INTEGER NOT NULL REFERENCES consultations(id),"
    "  tracking_code TEXT NOT NULL UNIQUE, title TEXT NOT NULL, body TEXT NOT NULL,"
    "  type TEXT NOT NULL, region TEXT, phone TEXT, author_ip TEXT,"
    "  state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new','assigned','replied','closed')),"
    "  department_id INTEGER REFERENCES departments(id),"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX messages_dept_state ON messages(department_id, state, id);"
    "CREATE INDEX messages_consultation ON messages(consultation_id, id);"
    "CREATE TABLE replies ("
    "  id INTEGER PRIMARY KEY, message_id INTEGER NOT NULL REFERENCES messages(id),"
    "  user_id INTEGER REFERENCES users(id), department_id INTEGER REFERENCES departments(id),"
    "  body TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX replies_message ON replies(message_id);"
    "CREATE TABLE routing_rules ("
    "  id INTEGER PRIMARY KEY, keyword TEXT NOT NULL, department_id INTEGER NOT NULL REFERENCES departments(id));"
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY, at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
    "  actor_id INTEGER REFERENCES users(id), kind TEXT NOT NULL, message_id INTEGER, detail TEXT);"
    "CREATE INDEX events_message ON events(message_id);",

    /* 2: analysis (classification, spam, sensitive words, near-duplicate
     * groups), models, moderation, corrections. A message's group is the id
     * of its first message; sizes and author counts are computed on read. */
    "ALTER TABLE messages ADD COLUMN analyzed INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE messages ADD COLUMN author TEXT;"
    "ALTER TABLE messages ADD COLUMN moderation TEXT NOT NULL DEFAULT 'none'"
    "  CHECK (moderation IN ('none','held','approved','rejected'));"
    "ALTER TABLE messages ADD COLUMN hold_reason TEXT;"
    "ALTER TABLE messages ADD COLUMN spam_score REAL;"
    "ALTER TABLE messages ADD COLUMN spam_label TEXT CHECK (spam_label IN ('spam','ham'));"
    "ALTER TABLE messages ADD COLUMN label TEXT;"
    "ALTER TABLE messages ADD COLUMN confidence REAL;"
    "ALTER TABLE messages ADD COLUMN group_id INTEGER;"
    "ALTER TABLE messages ADD COLUMN simhash INTEGER;"
    "CREATE INDEX messages_pending ON messages(id) WHERE analyzed = 0;"
    "CREATE INDEX messages_group ON messages(group_id) WHERE group_id IS NOT NULL;"
    "CREATE INDEX messages_held ON messages(id) WHERE moderation = 'held';"
    "CREATE TABLE corrections ("
    "  id INTEGER PRIMARY KEY, message_id INTEGER NOT NULL REFERENCES messages(id),"
    "  from_department_id INTEGER REFERENCES departments(id), to_department_id INTEGER NOT NULL REFERENCES departments(id),"
    "  user_id INTEGER REFERENCES users(id), reason TEXT,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX corrections_message ON corrections(message_id);"
    "CREATE TABLE models ("
    "  id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('classifier','spam')), name TEXT NOT NULL,"
    "  data BLOB NOT NULL, meta TEXT, active INTEGER NOT NULL DEFAULT 0,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE TABLE label_departments ("
    "  label TEXT PRIMARY KEY, department_id INTEGER NOT NULL REFERENCES departments(id)) WITHOUT ROWID;"
    "CREATE TABLE sensitive_words ("
    "  id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;",

    /* 3: full-text search with the "minyi" tokenizer (fts.c): characters +
     * segmenter words. External content: the text lives once, in messages. */
    "CREATE VIRTUAL TABLE messages_fts USING fts5(title, body, content='messages', content_rowid='id', tokenize='minyi');"
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
    "  INSERT INTO messages_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END;"
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');",

    /* 4: the near-duplicate signature (dedup.h: exact hash + MinHash) kept
     * with each message, so the index is rebuilt at start without
     * re-reading the text. The simhash column of v2 stays unused. */
    "ALTER TABLE messages ADD COLUMN dedup_sig BLOB;",

    /* 5: message counts kept on the consultation, so the home page does not
     * count millions of rows on every view. */
    "ALTER TABLE consultations ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;"
    "UPDATE consultations SET message_count = (SELECT count(*) FROM messages m WHERE m.consultation_id = consultations.id);"
    "CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN"
    "  UPDATE consultations SET message_count = message_count + 1 WHERE id = new.consultation_id; END;"
    /* Likewise the size of each near-duplicate group: a campaign of a million
     * copies must not be counted for every inbox row that shows it. */
    "CREATE TABLE msg_groups (id INTEGER PRIMARY KEY, size INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO msg_groups(id, size) SELECT group_id, count(*) FROM messages WHERE group_id IS NOT NULL GROUP BY group_id;"
    "CREATE TRIGGER messages_group_change AFTER UPDATE OF group_id ON messages WHEN old.group_id IS NOT new.group_id BEGIN"
    "  UPDATE msg_groups SET size = size - 1 WHERE id = old.group_id;"
    "  INSERT INTO msg_groups(id, size) SELECT new.group_id, 1 WHERE new.group_id IS NOT NULL"
    "    ON CONFLICT(id) DO UPDATE SET size = size + 1; END;",

    /* 6: deadlines, first-reply times and citizens' ratings, for the public
     * reply / on-time / satisfaction figures. The deadline is reply_days
     * (setting, default 15) calendar days after the message, set by the
     * insert itself (sqlite.c, Q_MSG_ADD). */
    "ALTER TABLE messages ADD COLUMN due_at TEXT;"
    "ALTER TABLE messages ADD COLUMN first_reply_at TEXT;"
    "UPDATE messages SET first_reply_at = (SELECT min(r.created_at) FROM replies r WHERE r.message_id = messages.id);"
    "UPDATE messages SET due_at = strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+15 days');"
    "CREATE TRIGGER replies_first AFTER INSERT ON replies BEGIN"
    "  UPDATE messages SET first_reply_at = new.created_at WHERE id = new.message_id AND first_reply_at IS NULL; END;"
    "CREATE TABLE ratings ("
    "  message_id INTEGER PRIMARY KEY REFERENCES messages(id), score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),"
    "  comment TEXT, created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));",

    /* 7: full-text indexing moves from the insert (a trigger) to the
     * analyzer's batches: tokenizing and indexing took half of each intake
     * commit, and FTS5 indexes a batch far cheaper than rows one by one.
     * A message is searchable once analyzed (milliseconds later). */
    "DROP TRIGGER messages_fts_insert;"
    "ALTER TABLE messages ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0;"
    "UPDATE messages SET indexed = 1;",

    /* 8: hot issues: each message's top keywords counted per day (small:
     * words x days, not messages), filled by the analyzer. */
    "CREATE TABLE keyword_days (word TEXT NOT NULL, day TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (word, day)) WITHOUT ROWID;"
    "CREATE INDEX keyword_days_day ON keyword_days(day);"
    "CREATE INDEX msg_groups_size ON msg_groups(size);",

    /* 9: messages in public (留言公开). The citizen chooses whether a message
     * may be published (publish, default yes); a message is listed once it
     * is analyzed and not held or rejected (SQ_PUBLIC in sqlite_public.c:
     * the partial indexes below repeat that predicate word for word, which
     * is what lets SQLite use them). Supports are counted on the row, one
     * per visitor; last_reply_at orders "most recently replied". */
    "ALTER TABLE messages ADD COLUMN publish INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE messages ADD COLUMN supports INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE messages ADD COLUMN last_reply_at TEXT;"
    "UPDATE messages SET last_reply_at = (SELECT max(r.created_at) FROM replies r WHERE r.message_id = messages.id)"
    "  WHERE id IN (SELECT message_id FROM replies);"
    "CREATE TRIGGER replies_last AFTER INSERT ON replies BEGIN"
    "  UPDATE messages SET last_reply_at = new.created_at WHERE id = new.message_id"
    "    AND (last_reply_at IS NULL OR last_reply_at < new.created_at); END;"
    "CREATE TABLE supports (message_id INTEGER NOT NULL, visitor TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    "  PRIMARY KEY (message_id, visitor)) WITHOUT ROWID;"
    "CREATE INDEX messages_public_new ON messages(id)"
    "  WHERE publish = 1 AND analyzed = 1 AND moderation IN ('none','approved');"
    "CREATE INDEX messages_public_cons ON messages(consultation_id, id)"
    "  WHERE publish = 1 AND analyzed = 1 AND moderation IN ('none','approved');"
    "CREATE INDEX messages_public_dept ON messages(department_id, id)"
    "  WHERE publish = 1 AND analyzed = 1 AND moderation IN ('none','approved');"
    "CREATE INDEX messages_public_replied ON messages(last_reply_at, id)"
    "  WHERE publish = 1 AND analyzed = 1 AND moderation IN ('none','approved') AND last_reply_at IS NOT NULL;"
    "CREATE INDEX messages_public_supported ON messages(supports, id)"
    "  WHERE publish = 1 AND analyzed = 1 AND moderation IN ('none','approved');",

    /* 10: consultations on a draft (网上意见征求): the document, its numbered
     * sections, opening and closing times enforced on intake, comments on
     * one section, counts per section and type kept by triggers (a national
     * consultation's report must not count millions of rows), and the
     * adoption decisions (采纳) of the feedback report. */
    "ALTER TABLE consultations ADD COLUMN document TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE consultations ADD COLUMN preamble TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE consultations ADD COLUMN opens_at TEXT;"
    "ALTER TABLE consultations ADD COLUMN closes_at TEXT;"
    "ALTER TABLE consultations ADD COLUMN feedback_summary TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE consultations ADD COLUMN feedback_published_at TEXT;"
    "CREATE TABLE consultation_sections (consultation_id INTEGER NOT NULL REFERENCES consultations(id),"
    "  no INTEGER NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL,"
    "  PRIMARY KEY (consultation_id, no)) WITHOUT ROWID;"
    "ALTER TABLE messages ADD COLUMN section INTEGER;"
    "CREATE TABLE consultation_counts (consultation_id INTEGER NOT NULL, section INTEGER NOT NULL, type TEXT NOT NULL,"
    "  n INTEGER NOT NULL, PRIMARY KEY (consultation_id, section, type)) WITHOUT ROWID;"
    "INSERT INTO consultation_counts SELECT consultation_id, 0, type, count(*) FROM messages"
    "  WHERE moderation <> 'rejected' GROUP BY consultation_id, type;"
    "CREATE TRIGGER messages_counts_insert AFTER INSERT ON messages BEGIN"
    "  INSERT INTO consultation_counts VALUES (new.consultation_id, coalesce(new.section, 0), new.type, 1)"
    "    ON CONFLICT DO UPDATE SET n = n + 1; END;"
    "CREATE TRIGGER messages_counts_section AFTER UPDATE OF section ON messages WHEN old.section IS NOT new.section BEGIN"
    "  UPDATE consultation_counts SET n = n - 1 WHERE consultation_id = old.consultation_id"
    "    AND section = coalesce(old.section, 0) AND type = old.type;"
    "  INSERT INTO consultation_counts VALUES (new.consultation_id, coalesce(new.section, 0), new.type, 1)"
    "    ON CONFLICT DO UPDATE SET n = n + 1; END;"
    "CREATE TRIGGER messages_counts_reject AFTER UPDATE OF moderation ON messages"
    "  WHEN new.moderation = 'rejected' AND old.moderation <> 'rejected' BEGIN"
    "  UPDATE consultation_counts SET n = n - 1 WHERE consultation_id = new.consultation_id"
    "    AND section = coalesce(new.section, 0) AND type = new.type; END;"
    "CREATE TABLE adoptions (message_id INTEGER PRIMARY KEY REFERENCES messages(id),"
    "  consultation_id INTEGER NOT NULL, whole_group INTEGER NOT NULL DEFAULT 0,"
    "  decision TEXT NOT NULL CHECK (decision IN ('adopted','partial','not_adopted')), reason TEXT NOT NULL,"
    "  user_id INTEGER REFERENCES users(id),"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX adoptions_consultation ON adoptions(consultation_id, decision);",

    /* 11: notices (通知公告) published by admins on the home page; a
     * withdrawn notice is hidden, not deleted. */
    "CREATE TABLE notices (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL,"
    "  user_id INTEGER REFERENCES users(id), hidden INTEGER NOT NULL DEFAULT 0,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX notices_live ON notices(id) WHERE hidden = 0;",

    /* 12: the officials' lifecycle (core/lifecycle.h). Two CHECK constraints
     * are widened in place ('declined' messages, 'head' accounts): SQLite's
     * documented procedure for loosening a constraint edits the schema text
     * (sq_migrate bumps schema_version), which touches no row, where a
     * table rebuild would copy millions of messages at start. New columns
     * have constant defaults, so adding them is O(1) too. Deadlines become
     * working days per message type (settings deadline_*); the calendar
     * days reply_days counted stay on the messages that have them. */
    "ALTER TABLE messages ADD COLUMN resolution TEXT;"          /* public: the closing note or the reason for declining */
    "ALTER TABLE messages ADD COLUMN assignee_id INTEGER REFERENCES users(id);"
    "ALTER TABLE messages ADD COLUMN urged_at TEXT;"
    "ALTER TABLE messages ADD COLUMN urge_count INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE messages ADD COLUMN reopen_count INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE messages ADD COLUMN rating_reopened INTEGER NOT NULL DEFAULT 0;"
    /* A poor rating that reopened the message stays counted until the
     * citizen rates the new answer, which replaces it. */
    "ALTER TABLE ratings ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE departments ADD COLUMN reply_approval INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE replies ADD COLUMN status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published','pending','refused'));"
    "ALTER TABLE replies ADD COLUMN edited_at TEXT;"
    "DROP TRIGGER replies_first;"
    "CREATE TRIGGER replies_first AFTER INSERT ON replies WHEN new.status = 'published' BEGIN"
    "  UPDATE messages SET first_reply_at = new.created_at WHERE id = new.message_id AND first_reply_at IS NULL; END;"
    "CREATE TRIGGER replies_first_approved AFTER UPDATE OF status ON replies WHEN new.status = 'published' BEGIN"
    "  UPDATE messages SET first_reply_at = new.created_at WHERE id = new.message_id AND first_reply_at IS NULL; END;"
    "CREATE INDEX replies_pending ON replies(department_id, id) WHERE status = 'pending';"
    /* Open messages by deadline, for the inbox sorted by it. */
    "CREATE INDEX messages_dept_due ON messages(department_id, due_at, id) WHERE state IN ('new','assigned');"
    "CREATE INDEX messages_urged ON messages(department_id, urged_at) WHERE urged_at IS NOT NULL AND state IN ('new','assigned');"
    "CREATE TABLE calendar_days (day TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('holiday','workday'))) WITHOUT ROWID;"
    "CREATE TABLE extensions ("
    "  id INTEGER PRIMARY KEY, message_id INTEGER NOT NULL REFERENCES messages(id), user_id INTEGER REFERENCES users(id),"
    "  days INTEGER NOT NULL, reason TEXT NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','refused')),"
    "  decided_by INTEGER REFERENCES users(id), decided_at TEXT, due_before TEXT, due_after TEXT,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX extensions_message ON extensions(message_id);"
    "CREATE INDEX extensions_pending ON extensions(id) WHERE status = 'pending';"
    "CREATE TABLE urges ("
    "  id INTEGER PRIMARY KEY, message_id INTEGER NOT NULL REFERENCES messages(id),"
    "  department_id INTEGER REFERENCES departments(id), user_id INTEGER REFERENCES users(id), note TEXT,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX urges_message ON urges(message_id);"
    "CREATE TABLE followups ("
    "  message_id INTEGER PRIMARY KEY REFERENCES messages(id), body TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "DELETE FROM settings WHERE key = 'reply_days';"
    /* Last: ALTER TABLE ADD COLUMN splices the stored text at offsets of the
     * text it parsed, so the text is edited only after every ALTER. */
    "PRAGMA writable_schema = ON;"
    "UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (state IN (''new'',''assigned'',''replied'',''closed''))',"
    "  'CHECK (state IN (''new'',''assigned'',''replied'',''closed'',''declined''))') WHERE type = 'table' AND name = 'messages';"
    "UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (role IN (''admin'',''handler'',''moderator'',''leader''))',"
    "  'CHECK (role IN (''admin'',''handler'',''moderator'',''leader'',''head''))') WHERE type = 'table' AND name = 'users';"
    "PRAGMA writable_schema = OFF;",

    /* 13: leaders' posts (领导发帖) with an optional image, view counts
     * (flushed in batches, not a write per view) and comments that are
     * screened like messages and shown once not held. */
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL,"
    "  user_id INTEGER REFERENCES users(id), views INTEGER NOT NULL DEFAULT 0,"
    "  image BLOB, image_type TEXT,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE TABLE post_comments (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL REFERENCES posts(id),"
    "  body TEXT NOT NULL, author_ip TEXT,"
    "  moderation TEXT NOT NULL DEFAULT 'none' CHECK (moderation IN ('none','held','approved','rejected')),"
    "  hold_reason TEXT, spam_score REAL, reason TEXT,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX post_comments_shown ON post_comments(post_id, id) WHERE moderation IN ('none','approved');"
    "CREATE INDEX post_comments_held ON post_comments(id) WHERE moderation = 'held';",

    /* 14: a reply waiting for the head's approval is not public: the public
     * list's "latest reply" time counts published replies only. */
    "DROP TRIGGER replies_last;"
    "CREATE TRIGGER replies_last AFTER INSERT ON replies WHEN new.status = 'published' BEGIN"
    "  UPDATE messages SET last_reply_at = new.created_at WHERE id = new.message_id"
    "    AND (last_reply_at IS NULL OR last_reply_at < new.created_at); END;"
    "CREATE TRIGGER replies_last_approved AFTER UPDATE OF status ON replies WHEN new.status = 'published' BEGIN"
    "  UPDATE messages SET last_reply_at = new.created_at WHERE id = new.message_id"
    "    AND (last_reply_at IS NULL OR last_reply_at < new.created_at); END;"
    "UPDATE messages SET last_reply_at = (SELECT max(r.created_at) FROM replies r WHERE r.message_id = messages.id"
    "  AND r.status = 'published') WHERE id IN (SELECT message_id FROM replies WHERE status <> 'published');",

    /* 15: live sessions (在线访谈): questions screened like comments, one
     * vote per visitor, a moderator picks the current question, officials
     * answer; afterwards the answered questions are the transcript. */
    "CREATE TABLE live_sessions (id INTEGER PRIMARY KEY, title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
    "  starts_at TEXT, video_url TEXT, user_id INTEGER REFERENCES users(id),"
    "  status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled','live','ended')),"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE TABLE live_questions (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES live_sessions(id),"
    "  body TEXT NOT NULL, author_ip TEXT,"
    "  moderation TEXT NOT NULL DEFAULT 'none' CHECK (moderation IN ('none','held','approved','rejected')),"
    "  hold_reason TEXT, votes INTEGER NOT NULL DEFAULT 0,"
    "  state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting','current','answered')),"
    "  answer TEXT, answered_by INTEGER REFERENCES users(id), answered_at TEXT,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX live_questions_session ON live_questions(session_id, id);"
    "CREATE INDEX live_questions_held ON live_questions(id) WHERE moderation = 'held';"
    "CREATE TABLE live_votes (question_id INTEGER NOT NULL, visitor TEXT NOT NULL,"
    "  PRIMARY KEY (question_id, visitor)) WITHOUT ROWID;",

    /* 16: overdue messages for /metrics without a scan of every message: the
     * unanswered ones by deadline (moderation included so the count needs
     * no table lookups). */
    "CREATE INDEX messages_unanswered_due ON messages(due_at, moderation) "
    "  WHERE first_reply_at IS NULL AND state <> 'closed';",
    /* 17: the department's writing desk: reply templates with placeholders
     * (a department's, or everyone's with no department), each official's
     * draft of a reply, and internal notes that are never public. */
    "CREATE TABLE reply_templates ("
    "  id INTEGER PRIMARY KEY, department_id INTEGER REFERENCES departments(id), name TEXT NOT NULL, body TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE UNIQUE INDEX reply_templates_name ON reply_templates(coalesce(department_id, 0), name);"
    "CREATE TABLE notes ("
    "  id INTEGER PRIMARY KEY, message_id INTEGER NOT NULL REFERENCES messages(id), user_id INTEGER REFERENCES users(id),"
    "  body TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX notes_message ON notes(message_id);"
    "CREATE TABLE drafts ("
    "  message_id INTEGER NOT NULL REFERENCES messages(id), user_id INTEGER NOT NULL REFERENCES users(id), body TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')), PRIMARY KEY (message_id, user_id)) WITHOUT ROWID;"
    /* The inbox of every department (admins, leaders) by deadline. */
    "CREATE INDEX messages_due_open ON messages(due_at, id) WHERE state IN ('new','assigned');",


    /* 18: the record of automatic analysis kept on the message row (when,
     * which model, routed by what) instead of an audit row per message:
     * an audit row per fact was a third of the analyzer's writes. */
    "ALTER TABLE messages ADD COLUMN analyzed_at TEXT;"
    "ALTER TABLE messages ADD COLUMN model_id INTEGER;"
    "ALTER TABLE messages ADD COLUMN route_by TEXT;"
    /* Imports remember each row's id in its source, so importing a file
     * again adds nothing twice. */
    "ALTER TABLE messages ADD COLUMN source_id TEXT;"
    "CREATE UNIQUE INDEX messages_source ON messages(consultation_id, source_id) WHERE source_id IS NOT NULL;",

    /* 19: officials' phone numbers, sealed by the application (secretbox;
     * the key is a file outside the database): the store sees only bytes. */
    "ALTER TABLE users ADD COLUMN phone_sealed BLOB;",

    /* 20: dashboard figures as running aggregates (sqlite_stats.c): one row
     * per (arrival day, department; 0 = not routed), filled at open by a
     * recount (the 'stats_rebuild' setting asks for it). The overdue flag is
     * set by a sweep once a deadline passes unanswered; the partial index
     * holds only the candidates. */
    "CREATE TABLE stats_days ("
    "  day TEXT NOT NULL, department_id INTEGER NOT NULL,"
    "  received INTEGER NOT NULL DEFAULT 0, replied INTEGER NOT NULL DEFAULT 0, on_time INTEGER NOT NULL DEFAULT 0,"
    "  rated INTEGER NOT NULL DEFAULT 0, rating_sum INTEGER NOT NULL DEFAULT 0, satisfied INTEGER NOT NULL DEFAULT 0,"
    "  closed INTEGER NOT NULL DEFAULT 0, overdue INTEGER NOT NULL DEFAULT 0, urged INTEGER NOT NULL DEFAULT 0,"
    "  extended INTEGER NOT NULL DEFAULT 0, frt_sum INTEGER NOT NULL DEFAULT 0,"
    "  h0 INTEGER NOT NULL DEFAULT 0, h1 INTEGER NOT NULL DEFAULT 0, h2 INTEGER NOT NULL DEFAULT 0, h3 INTEGER NOT NULL DEFAULT 0,"
    "  h4 INTEGER NOT NULL DEFAULT 0, h5 INTEGER NOT NULL DEFAULT 0, h6 INTEGER NOT NULL DEFAULT 0, h7 INTEGER NOT NULL DEFAULT 0,"
    "  h8 INTEGER NOT NULL DEFAULT 0, h9 INTEGER NOT NULL DEFAULT 0, h10 INTEGER NOT NULL DEFAULT 0, h11 INTEGER NOT NULL DEFAULT 0,"
    "  h12 INTEGER NOT NULL DEFAULT 0, h13 INTEGER NOT NULL DEFAULT 0, h14 INTEGER NOT NULL DEFAULT 0, h15 INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (day, department_id)) WITHOUT ROWID;"
    "CREATE INDEX stats_days_dept ON stats_days(department_id, day);"
    "ALTER TABLE messages ADD COLUMN overdue INTEGER NOT NULL DEFAULT 0;"
    "UPDATE messages SET overdue = 1 WHERE first_reply_at IS NULL AND state NOT IN ('closed','declined') AND due_at < strftime('%Y-%m-%dT%H:%M:%SZ','now');"
    "CREATE INDEX messages_open_due ON messages(due_at) WHERE overdue = 0 AND first_reply_at IS NULL AND state NOT IN ('closed','declined');"
    "INSERT INTO settings(key, value) VALUES ('stats_rebuild', '1') ON CONFLICT(key) DO UPDATE SET value = '1';",

    /* 21: administration: accounts and departments are disabled, never
     * deleted (their messages, replies and audit rows keep pointing at
     * them); the audit log is read newest first by (at, id) under a filter
     * on actor, kind or message, each with its own index so a page costs
     * its rows at a million events; a department's new messages of a day
     * are counted from an index too (the digest). */
    "ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE departments ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX events_at ON events(at);"
    "CREATE INDEX events_actor_at ON events(actor_id, at);"
    "CREATE INDEX events_kind_at ON events(kind, at);"
    "CREATE INDEX events_message_at ON events(message_id, at);"
    "DROP INDEX events_message;"
    /* A department's messages of a day, for its daily digest. */
    "CREATE INDEX messages_dept_created ON messages(department_id, created_at);",

    /* 22: opposition (反对) beside supports (点赞), as message boards count
     * them and imports bring them: the hot issues' heat weighs the difference.
     * And the quality of each published reply (text/replyq.h), written in
     * the publishing transaction, with per-department sums kept by triggers
     * so the dashboard reads one row per department, never the replies. */
    "ALTER TABLE messages ADD COLUMN opposes INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE reply_quality (reply_id INTEGER PRIMARY KEY REFERENCES replies(id), department_id INTEGER NOT NULL DEFAULT 0,"
    "  score REAL NOT NULL, relevance REAL NOT NULL, completeness REAL NOT NULL, boilerplate REAL NOT NULL, timeliness REAL);"
    "CREATE TABLE dept_reply_quality (department_id INTEGER PRIMARY KEY, replies INTEGER NOT NULL DEFAULT 0,"
    "  score REAL NOT NULL DEFAULT 0, relevance REAL NOT NULL DEFAULT 0, completeness REAL NOT NULL DEFAULT 0,"
    "  boilerplate REAL NOT NULL DEFAULT 0, timeliness REAL NOT NULL DEFAULT 0, timed INTEGER NOT NULL DEFAULT 0);"
    "CREATE TRIGGER reply_quality_add AFTER INSERT ON reply_quality BEGIN"
    "  INSERT INTO dept_reply_quality(department_id, replies, score, relevance, completeness, boilerplate, timeliness, timed)"
    "  VALUES (new.department_id, 1, new.score, new.relevance, new.completeness, new.boilerplate, coalesce(new.timeliness, 0),"
    "          new.timeliness IS NOT NULL)"
    "  ON CONFLICT(department_id) DO UPDATE SET replies = replies + 1, score = score + excluded.score,"
    "    relevance = relevance + excluded.relevance, completeness = completeness + excluded.completeness,"
    "    boilerplate = boilerplate + excluded.boilerplate, timeliness = timeliness + excluded.timeliness, timed = timed + excluded.timed;"
    "END;"
    "CREATE TRIGGER reply_quality_del AFTER DELETE ON reply_quality BEGIN"
    "  UPDATE dept_reply_quality SET replies = replies - 1, score = score - old.score, relevance = relevance - old.relevance,"
    "    completeness = completeness - old.completeness, boilerplate = boilerplate - old.boilerplate,"
    "    timeliness = timeliness - coalesce(old.timeliness, 0), timed = timed - (old.timeliness IS NOT NULL)"
    "  WHERE department_id = old.department_id;"
    "END;",

    /* 23: state a process keeps across restarts (the near-duplicate index
     * image, so a start does not re-add every message), in chunks. */
    "CREATE TABLE app_state (name TEXT NOT NULL, part INTEGER NOT NULL, mark INTEGER NOT NULL, data BLOB NOT NULL,"
    "  PRIMARY KEY (name, part)) WITHOUT ROWID;",

    /* 24: the public side. Published replies are searchable (the public
     * search finds a message by its answer too): the store indexes each one
     * as it is published or corrected (sq_reply_fts; not a trigger, so that
     * tools without the tokenizer can still write the table). A consultation's
     * public_count counts its publicly listed messages (the predicate of
     * migration 9's partial indexes, word for word): the home page must not
     * count held, rejected, spam or unpublished messages. */
    "CREATE VIRTUAL TABLE replies_fts USING fts5(body, content='replies', content_rowid='id', tokenize='minyi');"
    "INSERT INTO replies_fts(rowid, body) SELECT id, body FROM replies WHERE status = 'published';"
    "ALTER TABLE consultations ADD COLUMN public_count INTEGER NOT NULL DEFAULT 0;"
    "UPDATE consultations SET public_count = (SELECT count(*) FROM messages m INDEXED BY messages_public_cons"
    "  WHERE m.consultation_id = consultations.id AND m.publish = 1 AND m.analyzed = 1 AND m.moderation IN ('none','approved'));"
    "CREATE TRIGGER messages_public_count AFTER UPDATE OF analyzed, moderation, publish ON messages"
    "  WHEN (old.publish = 1 AND old.analyzed = 1 AND old.moderation IN ('none','approved'))"
    "    <> (new.publish = 1 AND new.analyzed = 1 AND new.moderation IN ('none','approved')) BEGIN"
    "  UPDATE consultations SET public_count = public_count"
    "    + CASE WHEN new.publish = 1 AND new.analyzed = 1 AND new.moderation IN ('none','approved') THEN 1 ELSE -1 END"
    "    WHERE id = new.consultation_id; END;",

    /* 25: the inbox's total per department (0: not routed) of the messages
     * officials see (not held or rejected), kept by triggers: counting a
     * national department's rows took seconds per inbox page. */
    "CREATE TABLE inbox_counts (department_id INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
    "INSERT INTO inbox_counts SELECT coalesce(department_id, 0), count(*) FROM messages"
    "  WHERE moderation IN ('none','approved') GROUP BY 1;"
    "CREATE TRIGGER messages_inbox_insert AFTER INSERT ON messages WHEN new.moderation IN ('none','approved') BEGIN"
    "  INSERT INTO inbox_counts VALUES (coalesce(new.department_id, 0), 1) ON CONFLICT DO UPDATE SET n = n + 1; END;"
    "CREATE TRIGGER messages_inbox_update AFTER UPDATE OF department_id, moderation ON messages"
    "  WHEN (old.moderation IN ('none','approved')) <> (new.moderation IN ('none','approved'))"
    "    OR old.department_id IS NOT new.department_id BEGIN"
    "  UPDATE inbox_counts SET n = n - 1 WHERE old.moderation IN ('none','approved') AND department_id = coalesce(old.department_id, 0);"
    "  INSERT INTO inbox_counts SELECT coalesce(new.department_id, 0), 1 WHERE new.moderation IN ('none','approved')"
    "    ON CONFLICT DO UPDATE SET n = n + 1; END;"
    /* A department's inbox, newest first: (department_id, state, id) made
     * every page sort all of a department's messages. */
    "CREATE INDEX messages_dept_new ON messages(department_id, id);",

    /* 26: each near-duplicate group's first and latest arrival kept on its
     * row (a group's members leave it only when groups merge, so both stay
     * true bounds): GET /api/v1/hot read them by scanning every member of
     * every large group, 350,000 rows for one national campaign. */
    "ALTER TABLE msg_groups ADD COLUMN first_at TEXT;"
    "ALTER TABLE msg_groups ADD COLUMN last_at TEXT;"
    "UPDATE msg_groups SET first_at = (SELECT min(created_at) FROM messages m WHERE m.group_id = msg_groups.id),"
    "  last_at = (SELECT max(created_at) FROM messages m WHERE m.group_id = msg_groups.id);"
    "CREATE INDEX msg_groups_last ON msg_groups(last_at);"
    "DROP TRIGGER messages_group_change;"
    "CREATE TRIGGER messages_group_change AFTER UPDATE OF group_id ON messages WHEN old.group_id IS NOT new.group_id BEGIN"
    "  UPDATE msg_groups SET size = size - 1 WHERE id = old.group_id;"
    "  INSERT INTO msg_groups(id, size, first_at, last_at) SELECT new.group_id, 1, new.created_at, new.created_at"
    "    WHERE new.group_id IS NOT NULL ON CONFLICT(id) DO UPDATE SET size = size + 1,"
    "    first_at = min(coalesce(first_at, excluded.first_at), excluded.first_at),"
    "    last_at = max(coalesce(last_at, excluded.last_at), excluded.last_at); END;",

    /* 27: a consultation's public counts per draft section (0: the whole
     * draft) and type, counting only publicly listed messages (the predicate
     * of migration 9's partial indexes): the consultation page and the
     * published feedback report show them to everyone, and
     * consultation_counts counts everything received but rejected, held,
     * spam and unpublished messages too. Messages enter unanalysed, so they
     * are counted when an update makes them public, never at insert. */
    "CREATE TABLE section_public_counts (consultation_id INTEGER NOT NULL, section INTEGER NOT NULL, type TEXT NOT NULL,"
    "  n INTEGER NOT NULL, PRIMARY KEY (consultation_id, section, type)) WITHOUT ROWID;"
    "INSERT INTO section_public_counts SELECT consultation_id, coalesce(section, 0), type, count(*) FROM messages"
    "  WHERE publish = 1 AND analyzed = 1 AND moderation IN ('none','approved') GROUP BY 1, 2, 3;"
    "CREATE TRIGGER messages_section_public AFTER UPDATE OF analyzed, moderation, publish, section, type ON messages"
    "  WHEN (old.publish = 1 AND old.analyzed = 1 AND old.moderation IN ('none','approved'))"
    "    OR (new.publish = 1 AND new.analyzed = 1 AND new.moderation IN ('none','approved')) BEGIN"
    "  UPDATE section_public_counts SET n = n - 1 WHERE consultation_id = old.consultation_id"
    "    AND section = coalesce(old.section, 0) AND type = old.type"
    "    AND old.publish = 1 AND old.analyzed = 1 AND old.moderation IN ('none','approved');"
    "  INSERT INTO section_public_counts SELECT new.consultation_id, coalesce(new.section, 0), new.type, 1"
    "    WHERE new.publish = 1 AND new.analyzed = 1 AND new.moderation IN ('none','approved')"
    "    ON CONFLICT DO UPDATE SET n = n + 1; END;",

    /* 28: the list filters that no index narrowed (public list and inbox):
     * each walked every message newest first to find a few. By state, for
     * replied, closed and declined messages (most messages at a national
     * scale wait for an answer); by region (one of a hundred or more) and
     * by type (one of five; a campaign fills the newest ids with one type);
     * by arrival with the id as tie-breaker, for a date range ordered by
     * arrival (ids follow import order, not time). Each is partial so that
     * only the lists that name it (INDEXED BY, repeating its WHERE) use it:
     * without statistics the planner took the state index for queries
     * about open messages (nearly all) and the type index for a
     * department's inbox. The lists' scope, messages not held or rejected,
     * serves both the inbox and the public list (its predicate includes it). */
    "CREATE INDEX messages_state ON messages(state, id) WHERE state NOT IN ('new','assigned');"
    "CREATE INDEX messages_region ON messages(region, id) WHERE moderation IN ('none','approved');"
    "CREATE INDEX messages_type ON messages(type, id) WHERE moderation IN ('none','approved');"
    "CREATE INDEX messages_created ON messages(created_at, id) WHERE moderation IN ('none','approved');",

    /* 29: a message inserted already analysed (`minyi import` analyses its
     * rows before it writes them, so each is written once) counts in its
     * group and the public counts as the analyzer's update would have
     * counted it. Intake inserts unanalysed rows without a group: for them
     * the WHEN clauses are false. */
    "CREATE TRIGGER IF NOT EXISTS messages_group_insert AFTER INSERT ON messages WHEN new.group_id IS NOT NULL BEGIN"
    "  INSERT INTO msg_groups(id, size, first_at, last_at) VALUES (new.group_id, 1, new.created_at, new.created_at)"
    "    ON CONFLICT(id) DO UPDATE SET size = size + 1,"
    "    first_at = min(coalesce(first_at, excluded.first_at), excluded.first_at),"
    "    last_at = max(coalesce(last_at, excluded.last_at), excluded.last_at); END;"
    "CREATE TRIGGER IF NOT EXISTS messages_public_insert AFTER INSERT ON messages"
    "  WHEN new.publish = 1 AND new.analyzed = 1 AND new.moderation IN ('none','approved') BEGIN"
    "  UPDATE consultations SET public_count = public_count + 1 WHERE id = new.consultation_id;"
    "  INSERT INTO section_public_counts VALUES (new.consultation_id, coalesce(new.section, 0), new.type, 1)"
    "    ON CONFLICT DO UPDATE SET n = n + 1; END;",

    /* 30: each department's open messages, kept by triggers, for the
     * digest's overdue figure; superseded by 31 (the same counts by the
     * hour they are due), which makes the table again. Only clears what
     * an earlier 30 made, so that it runs again over 31's table. */
    "DROP TRIGGER IF EXISTS messages_open_insert;"
    "DROP TRIGGER IF EXISTS messages_open_update;"
    "DROP TABLE IF EXISTS open_counts;",

    /* 31: the open messages counted by department and the hour they are
     * due ('' without a deadline): the overdue figure as of any time is
     * the sum of the hours before it plus a count of its own hour's start,
     * where 30 answered only for now (a past day counted every message
     * due by then directly: 654 ms at 8.5M messages). */
    "DROP TRIGGER IF EXISTS messages_open_insert;"
    "DROP TRIGGER IF EXISTS messages_open_update;"
    "DROP TABLE IF EXISTS open_counts;"
    "CREATE TABLE open_counts (department_id INTEGER NOT NULL, due_hour TEXT NOT NULL, n INTEGER NOT NULL,"
    "  PRIMARY KEY (department_id, due_hour)) WITHOUT ROWID;"
    "INSERT INTO open_counts SELECT coalesce(department_id, 0), coalesce(substr(due_at, 1, 13), ''), count(*) FROM messages"
    "  WHERE state IN ('new','assigned') GROUP BY 1, 2;"
    "CREATE TRIGGER messages_open_insert AFTER INSERT ON messages WHEN new.state IN ('new','assigned') BEGIN"
    "  INSERT INTO open_counts VALUES (coalesce(new.department_id, 0), coalesce(substr(new.due_at, 1, 13), ''), 1)"
    "    ON CONFLICT DO UPDATE SET n = n + 1; END;"
    "CREATE TRIGGER messages_open_update AFTER UPDATE OF department_id, state, due_at ON messages"
    "  WHEN (old.state IN ('new','assigned')) <> (new.state IN ('new','assigned'))"
    "    OR (new.state IN ('new','assigned') AND (old.department_id IS NOT new.department_id"
    "        OR substr(old.due_at, 1, 13) IS NOT substr(new.due_at, 1, 13))) BEGIN"
    "  UPDATE open_counts SET n = n - 1 WHERE old.state IN ('new','assigned')"
    "    AND department_id = coalesce(old.department_id, 0) AND due_hour = coalesce(substr(old.due_at, 1, 13), '');"
    "  INSERT INTO open_counts SELECT coalesce(new.department_id, 0), coalesce(substr(new.due_at, 1, 13), ''), 1"
    "    WHERE new.state IN ('new','assigned') ON CONFLICT DO UPDATE SET n = n + 1; END;",

    /* 32: a reply to a whole group as a job done in steps (store.h
     * group_reply_*): one transaction for a campaign of 37,000 members
     * held the writers' turn for 7.5 s, every citizen's message waiting. */
    "CREATE TABLE IF NOT EXISTS group_replies (id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL,"
    "  department_id INTEGER NOT NULL DEFAULT 0, user_id INTEGER REFERENCES users(id), body TEXT NOT NULL,"
    "  upto INTEGER NOT NULL, done_upto INTEGER NOT NULL DEFAULT 0, replied INTEGER NOT NULL DEFAULT 0,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')), finished_at TEXT);"
    "CREATE INDEX IF NOT EXISTS group_replies_running ON group_replies(id) WHERE finished_at IS NULL;",

    /* 33: a big group's merge recorded, its rows moved later in steps
     * (store.h group_move_step): at full size one merge moved 784,468
     * rows in the analyzer's transaction, the writers' turn held for as
     * long. size: the rows to move when the merge was recorded. */
    "CREATE TABLE IF NOT EXISTS group_moves (id INTEGER PRIMARY KEY, from_group INTEGER NOT NULL, into_group INTEGER NOT NULL,"
    "  message_id INTEGER, size INTEGER NOT NULL DEFAULT 0, moved INTEGER NOT NULL DEFAULT 0,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')), finished_at TEXT);"
    "CREATE INDEX IF NOT EXISTS group_moves_running ON group_moves(id) WHERE finished_at IS NULL;",
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof *migrations))

int sq_schema_version(void) { return NMIGRATIONS; }

/* A migration that edits sqlite_schema itself must change schema_version,
 * or connections keep using the schema they parsed before. */
static int bump_schema_version(sqlite3 *db, char **e) {
    sqlite3_stmt *st;
    int v = 0, rc = sqlite3_prepare_v2(db, "PRAGMA schema_version", -1, &st, NULL);
    if (rc != SQLITE_OK) return rc;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    char q[64];
    snprintf(q, sizeof q, "PRAGMA schema_version = %d", v + 1);
    return sqlite3_exec(db, q, NULL, NULL, e);
}

int sq_migrate(sqlite3 *db, const char *path, char *err, size_t errlen) {
    sqlite3_stmt *st;
    int version = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    if (version > NMIGRATIONS) {
        snprintf(err, errlen, "%s: schema version %d is newer than this minyi (%d); upgrade minyi", path, version, NMIGRATIONS);
        return -1;
    }
    for (int v = version; v < NMIGRATIONS; v++) {
        char *e = NULL;
        char setv[64];
        snprintf(setv, sizeof setv, "PRAGMA user_version = %d;", v + 1);
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &e) != SQLITE_OK
            || sqlite3_exec(db, migrations[v], NULL, NULL, &e) != SQLITE_OK
            || (strstr(migrations[v], "writable_schema") && bump_schema_version(db, &e) != SQLITE_OK)
            || sqlite3_exec(db, setv, NULL, NULL, &e) != SQLITE_OK
            || sqlite3_exec(db, "COMMIT", NULL, NULL, &e) != SQLITE_OK) {
            snprintf(err, errlen, "%s: migration %d failed: %s", path, v + 1, e ? e : "?");
            sqlite3_free(e);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}
