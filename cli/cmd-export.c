/*
 * export: sessions as an iCalendar file, on standard output or written
 * whole to a file.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "kursusctl.h"

static int	cmd_export(struct cmd_ctx *);

static const struct cmd_option opt_export[] = {
	{ "venue", OPT_TEXT, "venue", "SLUG", N_("only sessions at this venue"),
	  0, 0, NULL, CMPL_VENUE },
	{ "course", OPT_TEXT, "course", "SLUG", N_("only sessions of this course "
	  "type"), 0, 0, NULL, CMPL_COURSE },
	{ "from", OPT_TEXT, "from", "TIME", N_("only sessions that start at or "
	  "after this time"), 0, 0, NULL, 0 },
	{ "to", OPT_TEXT, "to", "TIME", N_("only sessions that start before this "
	  "time (a date alone: by the end of that day)"), 0, 0, NULL, 0 },
	{ "output", OPT_TEXT, "output", "FILE", N_("write the calendar to FILE "
	  "instead of standard output; FILE is replaced whole, never left "
	  "half-written"), 0, 0, NULL, CMPL_FILE },
	OPT_END
};

const struct cmd_entry cmd_export_entry = {
	"export", NULL, "[--venue SLUG] [--course SLUG] [--from TIME] "
	"[--to TIME] [--output FILE]", 0, 0, 0, { opt_export, NULL },
	cmd_export, N_("Write sessions as an iCalendar (.ics) file.\nThe "
	"calendar goes to standard output, or to FILE with --output. "
	"Without options it holds every session."), 0, NULL
};

/*
 * Writes len bytes to path whole (cmd_file_open()), so a reader never sees
 * half a calendar and a failure leaves the old file as it was. Returns 0,
 * or -1 with *cause.
 */
static int
cmd_write_file(const char *path, const char *data, size_t len, char **cause)
{
	struct cmd_file	 f;
	struct stat	 sb;
	size_t		 done = 0;
	ssize_t		 n;
	mode_t		 mode;

	/*
	 * The permissions a shell's "> FILE" would leave, not a temporary
	 * file's 0600: those of the file replaced, else 0666 less the umask.
	 */
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
		mode = sb.st_mode & 07777;
	else {
		mode = umask(0);
		umask(mode);
		mode = 0666 & ~mode;
	}
	if (cmd_file_open(&f, path, mode, cause) != 0)
		return (-1);
	while (done < len) {
		n = write(f.fd, data + done, len - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, _("cannot write %s: %s"), path,
			    strerror(errno));
			cmd_file_abort(&f);
			return (-1);
		}
		done += n;
	}
	return (cmd_file_commit(&f, 1, cause));
}

static int
cmd_export(struct cmd_ctx *ctx)
{
	json_t		*query, *answer, *calendar;
	const char	*output;
	char		*cause;
	long long	 events;
	int		 ret;

	output = cmd_str(ctx->opts, "output");
	if (output != NULL && *output == '\0')
		return (kursusctl_usage_error(ctx->entry, _("--output needs a "
		    "file name (or - for standard output)")));
	if (output != NULL && ctx->json && !cmd_is_stdio(output))
		return (kursusctl_usage_error(ctx->entry, _("--json and --output "
		    "cannot be used together")));
	/* --output is ours; the rest are the daemon's filters. */
	query = json_copy(ctx->opts);
	json_object_del(query, "output");
	ret = cmd_request(ctx, "GET", "export", NULL, NULL, query, &answer);
	json_decref(query);
	if (ret != 0 || answer == NULL)
		return (ret);

	calendar = json_object_get(answer, "calendar");
	if (!json_is_string(calendar)) {
		json_decref(answer);
		kursusctl_error(_("kursusd at %s sent no calendar text"),
		    client_where(ctx->client));
		return (KCTL_EXIT_PROTOCOL);
	}
	/* The calendar byte for byte: nothing added, nothing taken away. */
	if (output == NULL || cmd_is_stdio(output)) {
		fwrite(json_string_value(calendar), 1,
		    json_string_length(calendar), stdout);
		json_decref(answer);
		return (0);
	}
	if (cmd_write_file(output, json_string_value(calendar),
	    json_string_length(calendar), &cause) != 0) {
		json_decref(answer);
		kursusctl_error("%s", cause);
		free(cause);
		return (KCTL_EXIT_CANTCREAT);
	}
	events = cmd_int(answer, "events");
	fprintf(stderr, ngettext("Wrote %lld session to %s\n",
	    "Wrote %lld sessions to %s\n", events), events, output);
	json_decref(answer);
	return (0);
}
