/*
 * kbsql DB SQL: the sqlite3 shell's "-batch DB SQL" for a KB's database,
 * with kbd's tokenizer and rank function registered, so tests can read and
 * break the full-text table the way the shell could before it had a
 * tokenizer of its own. Rows are printed with '|' between values, as the
 * shell does. A test tool: kbd never runs it.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "tokenizer.h"

static int
print_row(void *arg, int n, char **val, char **col)
{
	int	i;

	(void)arg;
	(void)col;
	for (i = 0; i < n; i++)
		printf("%s%s", i ? "|" : "", val[i] != NULL ? val[i] : "");
	putchar('\n');
	return 0;
}

int
main(int argc, char *argv[])
{
	sqlite3	*db;
	char	*err = NULL;

	if (argc != 3) {
		fprintf(stderr, "usage: kbsql DB SQL\n");
		return 2;
	}
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "kbsql: %s: %s\n", argv[1], sqlite3_errmsg(db));
		return 1;
	}
	sqlite3_busy_timeout(db, 10000);
	if (tok_register(db) == -1) {
		fprintf(stderr, "kbsql: cannot register the tokenizer\n");
		return 1;
	}
	if (sqlite3_exec(db, argv[2], print_row, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "kbsql: %s\n", err);
		sqlite3_free(err);
		sqlite3_close(db);
		return 1;
	}
	sqlite3_close(db);
	return 0;
}
