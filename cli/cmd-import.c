/*
 * import: sessions from an iCalendar file, sent to kursusd as it is (its
 * size checked here first), which reads it and names the line of anything
 * it cannot take.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "kursusctl.h"

static int	cmd_import(struct cmd_ctx *);

static const struct cmd_option opt_import[] = {
	{ "venue", OPT_TEXT, "venue", "SLUG", N_("venue of the sessions; floating "
	  "times in the file are read in its time zone"), OPT_REQUIRED, 0,
	  NULL, CMPL_VENUE },
	{ "course", OPT_TEXT, "course", "SLUG", N_("course type of the sessions"),
	  OPT_REQUIRED, 0, NULL, CMPL_COURSE },
	{ "capacity", OPT_INT, "capacity", "N", N_("seats of each new session "
	  "(default the smaller of the course's and the venue's)"), 0, 0, NULL,
	  0 },
	{ "from", OPT_TEXT, "from", "TIME", N_("read the file from this time "
	  "on (default now)"), 0, 0, NULL, 0 },
	{ "to", OPT_TEXT, "to", "TIME", N_("read the file up to this time (a "
	  "day alone: its whole day; default two years ahead)"), 0, 0, NULL,
	  0 },
	{ "dry-run", OPT_TRUE, "dry_run", NULL, N_("report what the import would "
	  "do and write nothing"), 0, 0, NULL, 0 },
	OPT_END
};

const struct cmd_entry cmd_import_entry = {
	"import", NULL, "FILE --venue SLUG --course SLUG [--capacity N] "
	"[--from TIME] [--to TIME] [--dry-run]", 1, 1, CMPL_FILE,
	{ opt_import, NULL }, cmd_import,
	N_("Create sessions from an iCalendar (.ics) file.\nEvery event from "
	"now (or --from) to two years ahead (or --to) becomes a session of "
	"the course at the venue, repeating events once per occurrence. Importing a changed "
	"file again moves or cancels the sessions made from it (everyone "
	"registered is told) instead of adding them twice. FILE may be - "
	"for standard input; it must be UTF-8 text of at most 4 MiB. A file "
	"that does not parse is refused whole, naming the line."), 0, NULL
};

/*
 * "FILE is N bytes, more than ..." in one line; size NULL: not known, only
 * that it is too large.
 */
static void
cmd_too_large(const char *name, const char *size)
{
	char	*limit;

	limit = cmd_size(KURSUS_API_MAX_CALENDAR);
	if (size != NULL)
		kursusctl_error(_("%s is %s, more than the %d bytes (%s) "
		    "kursusd imports at a time: split the calendar into "
		    "shorter periods"), name, size, KURSUS_API_MAX_CALENDAR,
		    limit);
	else
		kursusctl_error(_("%s holds more than the %d bytes (%s) kursusd "
		    "imports at a time: split the calendar into shorter "
		    "periods"), name, KURSUS_API_MAX_CALENDAR, limit);
	free(limit);
}

/*
 * Reads the calendar file to import: whole, and at most
 * KURSUS_API_MAX_CALENDAR bytes. Returns 0, or an exit code after saying
 * why not.
 */
static int
cmd_read_calendar(const char *path, char **data, size_t *len)
{
	const char	*name = cmd_is_stdio(path) ? _("standard input") :
			    path;
	struct stat	 sb;
	char		*buf, *size;
	size_t		 have = 0;
	ssize_t		 n = 0;
	int		 fd, saved;

	*data = NULL;
	*len = 0;
	if (cmd_is_stdio(path))
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY)) == -1) {
		kursusctl_error(_("cannot read %s: %s"), path, strerror(errno));
		return (KCTL_EXIT_NOINPUT);
	}
	if (fstat(fd, &sb) != 0)
		saved = errno;
	else
		saved = S_ISDIR(sb.st_mode) ? EISDIR : 0;
	if (saved != 0) {
		kursusctl_error(_("cannot read %s: %s"), name, strerror(saved));
		if (fd != STDIN_FILENO)
			close(fd);
		return (KCTL_EXIT_NOINPUT);
	}
	/* A regular file's size tells before reading; a pipe's does not. */
	if (S_ISREG(sb.st_mode) && sb.st_size > KURSUS_API_MAX_CALENDAR) {
		xasprintf(&size, _("%lld bytes"), (long long)sb.st_size);
		cmd_too_large(name, size);
		free(size);
		if (fd != STDIN_FILENO)
			close(fd);
		return (KCTL_EXIT_DATAERR);
	}

	/* One byte more than allowed tells a file that is too large. */
	buf = xmalloc(KURSUS_API_MAX_CALENDAR + 2);
	while (have <= KURSUS_API_MAX_CALENDAR) {
		n = read(fd, buf + have, KURSUS_API_MAX_CALENDAR + 1 - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += n;
	}
	saved = errno;
	if (fd != STDIN_FILENO)
		close(fd);
	if (n == -1) {
		kursusctl_error(_("cannot read %s: %s"), name, strerror(saved));
		free(buf);
		return (KCTL_EXIT_NOINPUT);
	}
	buf[have] = '\0';
	if (have > KURSUS_API_MAX_CALENDAR) {
		cmd_too_large(name, NULL);
		free(buf);
		return (KCTL_EXIT_DATAERR);
	}
	if (have == 0) {
		kursusctl_error(_("%s is empty, not a calendar"), name);
		free(buf);
		return (KCTL_EXIT_DATAERR);
	}

	*data = buf;
	*len = have;
	return (0);
}

static void
cmd_print_import(json_t *answer, const char *path)
{
	struct table	*t;
	json_t		*created, *updated, *skipped, *s;
	size_t		 i, k;
	int		 dry;
	char		*v;
	const char	*name = cmd_is_stdio(path) ? _("standard input") :
			    path;

	dry = json_is_true(json_object_get(answer, "dry_run"));
	created = json_object_get(answer, "created");
	updated = json_object_get(answer, "updated");
	skipped = json_object_get(answer, "skipped");

	if (dry)
		printf(_("Dry run of %s: nothing was written. The import would "
		    "give:\n\n"), name);
	else
		printf(_("Imported %s:\n\n"), name);
	t = table_kv_new();
	table_kv(t, N_("created"), "%zu", json_array_size(created));
	table_kv(t, N_("updated"), "%zu", json_array_size(updated));
	table_kv(t, N_("unchanged"), "%lld", cmd_int(answer, "unchanged"));
	table_kv(t, N_("skipped"), "%zu", json_array_size(skipped));
	table_print(t, stdout);
	table_free(t);

	if (json_array_size(created) + json_array_size(updated) > 0) {
		printf("\n");
		t = table_new(">ID|START|COURSE|VENUE|STATUS|CHANGE");
		for (k = 0; k < 2; k++) {
			json_array_foreach(k == 0 ? created : updated, i, s) {
				table_row(t);
				/* A dry run's new sessions get no id. */
				if (k == 0 && dry)
					table_cell(t, "-");
				else
					cmd_cell(t, s, "id", V_INT);
				cmd_cell(t, s, "start", V_LOCAL);
				cmd_cell(t, s, "course_title", V_TEXT);
				cmd_cell(t, s, "venue_name", V_TEXT);
				v = cmd_session_status(s);
				table_cell(t, "%s", v);
				free(v);
				table_cell(t, "%s", k == 0 ? _("created") :
				    _("updated"));
			}
		}
		table_print(t, stdout);
		table_free(t);
	}
	if (json_array_size(skipped) > 0) {
		printf(_("\nSkipped:\n"));
		t = table_new("KEY|REASON");
		json_array_foreach(skipped, i, s) {
			table_row(t);
			cmd_cell(t, s, "key", V_TEXT);
			cmd_cell(t, s, "reason", V_TEXT);
		}
		table_print(t, stdout);
		table_free(t);
	}
	if (json_array_size(updated) > 0 && dry)
		printf(_("\nEveryone registered for an updated session would "
		    "be told.\n"));
	else if (json_array_size(updated) > 0)
		printf(_("\nEveryone registered for an updated session will "
		    "be told.\n"));
	if (dry)
		printf(_("\nDry run: nothing was written. Run the same command "
		    "without --dry-run to import.\n"));
}

static void
cmd_print_imported(struct cmd_ctx *ctx, json_t *answer)
{
	cmd_print_import(answer, ctx->argv[0]);
}

static int
cmd_import(struct cmd_ctx *ctx)
{
	json_t	*answer;
	char	*data;
	size_t	 len;
	int	 ret;

	if ((ret = cmd_read_calendar(ctx->argv[0], &data, &len)) != 0)
		return (ret);
	ret = cmd_send_file(ctx, "POST", KURSUS_API_PREFIX "/import", ctx->opts,
	    "text/calendar", data, len, &answer);
	free(data);
	return (cmd_answer(ctx, ret, answer, cmd_print_imported));
}
