#!/usr/bin/env python3
"""mkoldkb.py KBSQL KB: turn a stopped KB into one of schema 2, as kbd
before issue 12 made it: a full-text table fts(name, title, body) of
FTS5's default tokenizer holding each document's Markdown, no 'languages'
in meta, and none of schema 3's sources, roots and jobs.updated, .moved,
.removed, nor schema 5's job_files and jobs.history, nor schema 7's
documents.description_by, nor schema 8's documents.converter and
.conv_version (every document stale), nor schema 9's
links, nor schema 11's concept_terms and concepts, nor schema 13's
documents.lang, nor schema 14's concepts_pending, nor schema 19's
term_counts. The tables it does
not name are the same in both schemas."""

import os
import sqlite3
import subprocess
import sys

kbsql, kb = sys.argv[1], sys.argv[2]
db = os.path.join(kb, ".kb", "kb.db")
# Dropping the table needs kbd's tokenizer: kbsql has it.
subprocess.run([kbsql, db, "DROP TABLE fts; DELETE FROM meta WHERE key "
                "IN ('languages', 'reindex')"], check=True)
con = sqlite3.connect(db)
con.execute("CREATE VIRTUAL TABLE fts USING fts5(name, title, body)")
for did, name, title in con.execute(
        "SELECT id, name, title FROM documents").fetchall():
    with open(os.path.join(kb, "wiki", "sources", name + ".md"),
              encoding="utf-8") as f:
        body = f.read()
    con.execute("INSERT INTO fts(rowid, name, title, body) "
                "VALUES (?, ?, ?, ?)", (did, name, title, body))
for sql in ("DROP INDEX documents_ext", "DROP INDEX documents_folder",
            "DROP INDEX documents_conv", "DROP INDEX documents_link",
            "DROP TABLE index_groups",
            "DROP TABLE links", "DROP TABLE sources", "DROP TABLE roots", "DROP TABLE job_files",
            "DROP VIEW concept_terms_all", "DROP TABLE concept_terms_new",
            "DROP TABLE concept_terms", "DROP TABLE concepts",
            "DROP TABLE concepts_pending", "DROP TABLE term_counts",
            "ALTER TABLE jobs DROP COLUMN history",
            "ALTER TABLE jobs DROP COLUMN updated",
            "ALTER TABLE jobs DROP COLUMN moved",
            "ALTER TABLE jobs DROP COLUMN removed",
            "ALTER TABLE documents DROP COLUMN description_by",
            "ALTER TABLE documents DROP COLUMN converter",
            "ALTER TABLE documents DROP COLUMN conv_version",
            "ALTER TABLE documents DROP COLUMN lang"):
    con.execute(sql)
con.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
con.commit()
con.close()
