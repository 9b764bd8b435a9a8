/*
 * backup: a copy of kursusd's database, taken by kursusd while it goes on
 * working (GET /v1/backup) and sent over the admin connection, so this
 * may run on another machine; written here whole or not at all, readable
 * by its owner only.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "kursusctl.h"

#define BACKUP_TYPE	"application/vnd.sqlite3"
/* The first 16 bytes of every SQLite database file. */
#define BACKUP_MAGIC	"SQLite format 3"

static int	cmd_backup(struct cmd_ctx *);

static const struct cmd_option opt_backup[] = {
	{ "force", OPT_TRUE, "force", NULL, N_("replace FILE if it exists"), 0, 0,
	  NULL, 0 },
	OPT_END
};

const struct cmd_entry cmd_backup_entry = {
	"backup", NULL, "FILE [--force]", 1, 1, CMPL_FILE,
	{ opt_backup, NULL }, cmd_backup,
	N_("Write a copy of kursusd's database to FILE.\nkursusd copies the "
	"database as it is when asked, while registrations go on, and sends "
	"it over the admin connection, so kursusctl may run on another "
	"machine. FILE is written whole or not at all, readable by its owner "
	"only (mode 0600); a FILE that exists is replaced only with --force. "
	"The copy holds every participant's name and contact details: keep "
	"it as safe as the database. kursusd(8) says how to restore it."), 0,
	NULL
};

static int
cmd_backup(struct cmd_ctx *ctx)
{
	const char	*path = ctx->argv[0];
	struct cmd_file	 f;
	struct stat	 sb;
	json_t		*out;
	char		*cause, *size, magic[sizeof BACKUP_MAGIC];
	long long	 len;
	int		 force, ret;

	force = json_is_true(json_object_get(ctx->opts, "force"));
	if (*path == '\0' || cmd_is_stdio(path))
		return (kursusctl_usage_error(ctx->entry, _("FILE must name a "
		    "file to write, not \"%s\""), path));
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		kursusctl_error(_("%s is a directory: name the file to write"),
		    path);
		return (KCTL_EXIT_CANTCREAT);
	}
	/* Asked before the copy is made and sent, and again at the end. */
	if (!force && lstat(path, &sb) == 0) {
		kursusctl_error(_("%s exists; give --force to replace it"), path);
		return (KCTL_EXIT_CANTCREAT);
	}
	if (cmd_file_open(&f, path, 0600, &cause) != 0) {
		kursusctl_error("%s", cause);
		free(cause);
		return (KCTL_EXIT_CANTCREAT);
	}
	ret = client_get_file(ctx->client, KURSUS_API_PREFIX "/backup",
	    BACKUP_TYPE, f.fd, &len, &cause);
	if (ret == 0 && (pread(f.fd, magic, sizeof magic, 0) !=
	    (ssize_t)sizeof magic || memcmp(magic, BACKUP_MAGIC,
	    sizeof magic) != 0)) {
		xasprintf(&cause, _("kursusd at %s sent something that is not "
		    "an SQLite database"), client_where(ctx->client));
		ret = KCTL_EXIT_PROTOCOL;
	}
	if (ret != 0) {
		cmd_file_abort(&f);
		kursusctl_error("%s", cause);
		free(cause);
		return (ret);
	}
	if (cmd_file_commit(&f, force, &cause) != 0) {
		kursusctl_error("%s", cause);
		free(cause);
		return (KCTL_EXIT_CANTCREAT);
	}
	if (ctx->json) {
		out = json_pack("{s:s, s:I}", "file", path, "bytes",
		    (json_int_t)len);
		cmd_print_json(out);
		json_decref(out);
		return (0);
	}
	size = cmd_size(len);
	printf(_("Wrote a copy of the database (%s) to %s\n"), size, path);
	free(size);
	return (0);
}
