/*
 * course add, list, show, edit and remove (cmd-resource.c's handlers):
 * the course types sessions are scheduled of; and course template list,
 * set and unset: a course type's own text for a kind of message.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kursusctl.h"
#include "utf8.h"

static int	cmd_template_list(struct cmd_ctx *);
static int	cmd_template_set(struct cmd_ctx *);
static int	cmd_template_unset(struct cmd_ctx *);

static const struct cmd_option opt_course[] = {
	{ "title", OPT_TEXT, "title", "TITLE", N_("title, e.g. \"NemID/MitID "
	  "for begyndere\""), 0, 0, NULL, 0 },
	{ "description", OPT_TEXT, "description", "TEXT", N_("description"),
	  0, 0, NULL, 0 },
	{ "duration", OPT_DURATION, "duration", "DURATION", N_("length: 90m, "
	  "90, 1h30m, 1h30 or 1.5h"), 0, 0, NULL, 0 },
	{ "capacity", OPT_INT, "capacity", "N", N_("default seats (1-1000, "
	  "default 8)"), 0, 0, NULL, 0 },
	{ "min", OPT_INT, "min_participants", "N", N_("fewest participants "
	  "for the course to go ahead (0: no minimum)"), 0, 0, NULL, 0 },
	{ "bring", OPT_TEXT, "bring", "TEXT", N_("what to bring, e.g. \"your "
	  "phone, key card and reading glasses\""), 0, 0, NULL, 0 },
	{ "title-en", OPT_TEXT, "title_en", "TITLE", N_("the title for English "
	  "readers (default: the Danish title)"), 0, 0, NULL, 0 },
	{ "description-en", OPT_TEXT, "description_en", "TEXT", N_("the "
	  "description for English readers (default: the Danish one, marked "
	  "as Danish)"), 0, 0, NULL, 0 },
	{ "bring-en", OPT_TEXT, "bring_en", "TEXT", N_("what to bring, for "
	  "English readers (default: the Danish text, marked as Danish)"),
	  0, 0, NULL, 0 },
	{ "language", OPT_TEXT, "language", "LANG", N_("da (default) or en"),
	  0, 0, "da en", CMPL_VALUES },
	{ "reminders", OPT_TEXT, "reminders", "RULES", N_("when reminders go "
	  "out, e.g. \"email:2d,sms:1d@10:00\" (e-mail two days before, SMS "
	  "the day before at 10:00; also 3h, 90m); \"none\" for none; on "
	  "edit '' goes back to kursusd's [reminders] rules"), 0, 0, NULL, 0 },
	OPT_END
};

static const struct cmd_option opt_template[] = {
	{ "language", OPT_TEXT, "language", "LANG", N_("the text for people "
	  "who read da (default) or en"), 0, 0, "da en", CMPL_VALUES },
	OPT_END
};

static const struct cmd_option opt_template_set[] = {
	{ "subject", OPT_TEXT, "subject", "TEXT", N_("e-mail subject (default "
	  "the built-in one)"), 0, 0, NULL, 0 },
	{ "body", OPT_TEXT, "body", "TEXT", N_("the text, with placeholders such "
	  "as {name}, {course}, {date}, {venue}"), 0, 4, NULL, 0 },
	{ "body-file", OPT_TEXT, "body_file", "FILE", N_("read the text from "
	  "FILE (- for standard input)"), 0, 4, NULL, CMPL_FILE },
	OPT_END
};

static const struct cmd_column cmd_course_columns[] = {
	{ "SLUG", "slug", V_TEXT },
	{ "TITLE", "title", V_TEXT },
	{ ">DURATION", "duration", V_MINUTES },
	{ ">SEATS", "capacity", V_INT },
	{ ">MIN", "min_participants", V_INT },
	{ "LANG", "language", V_TEXT },
	COLS_END
};

static const struct cmd_field cmd_course_fields[] = {
	{ "id", N_("id"), V_INT },
	{ "slug", N_("slug"), V_TEXT },
	{ "title", N_("title"), V_TEXT },
	{ "description", N_("description"), V_TEXT },
	{ "duration", N_("duration"), V_MINUTES },
	{ "capacity", N_("seats"), V_INT },
	{ "min_participants", N_("minimum"), V_INT },
	{ "bring", N_("bring"), V_TEXT },
	{ "title_en", N_("title (en)"), V_TEXT },
	{ "description_en", N_("description (en)"), V_TEXT },
	{ "bring_en", N_("bring (en)"), V_TEXT },
	{ "language", N_("language"), V_TEXT },
	{ "reminders", N_("reminders"), V_REMINDERS },
	{ "created_at", N_("created"), V_UTC },
	{ "updated_at", N_("updated"), V_UTC },
	{ NULL, NULL, 0 }
};

static const struct cmd_resource cmd_course_resource = {
	N_("course type"), "courses", 0, { "title", "duration", NULL },
	cmd_course_columns, cmd_course_fields, N_("No course types."),
	N_("More course types are found than shown: add a word to the "
	"search.\n"), N_("Removed course type \"%s\".\n")
};

CMD_RESOURCE_ENTRIES(cmd_course, "course",
    "SLUG --title TITLE --duration DURATION [options]", CMPL_COURSE,
    opt_course, NULL, &cmd_course_resource,
    N_("Create a course type."),
    N_("List course types.\nA search finds every word given at the start of a "
    "word, in any case, \"Aarhus\" and \"Århus\" alike."),
    N_("Show a course type."),
    N_("Change a course type.\nOnly the fields given change; an empty value "
    "(--notes '') clears a text field."),
    N_("Remove a course type."));

const struct cmd_entry cmd_course_template_list_entry = {
	"course", "template list", "SLUG [--csv[=excel]]", 1, 1, CMPL_COURSE,
	{ cmd_opt_csv, NULL }, cmd_template_list,
	N_("Show a course type's own message texts.\n"
	"Messages of a kind, channel and language without one use the "
	"built-in text."), 0, NULL
};

const struct cmd_entry cmd_course_template_set_entry = {
	"course", "template set", "SLUG KIND CHANNEL [--language LANG] "
	"[--subject TEXT] (--body TEXT | --body-file FILE)", 3, 3,
	CMPL_TEMPLATE, { opt_template, opt_template_set, NULL },
	cmd_template_set, N_("Give a course type its own text for one kind of "
	"message.\nKIND is a kind of message (`kursusctl help kinds'); "
	"CHANNEL is email or sms. Placeholders: {name}, {first_name}, {course}, "
	"{the_course} (\"kurset »borger.dk«\"), {date} (\"torsdag den 3. "
	"december kl. 10.00\"), {when} (\"... kl. 10.00–11.30\"), {time}, "
	"{end}, {venue}, {address}, {access}, {bring}, {bring_line}, "
	"{instructor}, {phone}, {venue_phone}, {library}, {library_phone}, "
	"{library_email}, {library_url}, {signature}, {link} (the page to add "
	"the courses to a calendar), {number}, {position}, {old_date}, "
	"{old_venue}, {message}, {reason}; {{ is a brace. A line whose "
	"placeholder has no value is "
	"left out. kursusd tries the text at once and refuses an unknown "
	"placeholder, naming its line and column."), 0, NULL
};

const struct cmd_entry cmd_course_template_unset_entry = {
	"course", "template unset", "SLUG KIND CHANNEL [--language LANG]",
	3, 3, CMPL_TEMPLATE, { opt_template, NULL }, cmd_template_unset,
	N_("Go back to the built-in text for one kind of message."), 0, NULL
};

static const struct cmd_column cmd_template_columns[] = {
	{ "KIND", "kind", V_TEXT },
	{ "CHANNEL", "channel", V_TEXT },
	{ "LANG", "language", V_TEXT },
	{ "SUBJECT", "subject", V_TEXT },
	{ "UPDATED", "updated_at", V_UTC },
	/* On screen the texts follow the table; in CSV, lines and all. */
	{ "~BODY", "body", V_TEXT },
	COLS_END
};

static void
cmd_print_templates(struct cmd_ctx *ctx, json_t *answer)
{
	json_t		*tpl;
	size_t		 i;

	cmd_print_list(json_object_get(answer, "templates"),
	    cmd_template_columns, N_("No own templates: the built-in texts are "
	    "used."));
	if (table_csv())
		return;
	json_array_foreach(json_object_get(answer, "templates"), i, tpl) {
		printf("\n--- %s %s (%s)\n", cmd_str(tpl, "kind"),
		    cmd_str(tpl, "channel"), cmd_str(tpl, "language"));
		if (cmd_str(tpl, "subject") != NULL)
			printf(_("Subject: %s\n"), cmd_str(tpl, "subject"));
		printf("%s%s", cmd_str(tpl, "body") != NULL ? cmd_str(tpl,
		    "body") : "", cmd_str(tpl, "body") != NULL &&
		    strlen(cmd_str(tpl, "body")) > 0 && cmd_str(tpl,
		    "body")[strlen(cmd_str(tpl, "body")) - 1] == '\n' ? "" :
		    "\n");
	}
}

static int
cmd_template_list(struct cmd_ctx *ctx)
{
	return (cmd_call(ctx, "GET", "courses", ctx->argv[0], "/templates",
	    NULL, cmd_print_templates));
}

/* "/templates/KIND/CHANNEL" for the positional arguments; caller frees. */
static char *
cmd_template_tail(struct cmd_ctx *ctx)
{
	char	*kind, *channel, *tail;

	kind = client_escape(ctx->argv[1]);
	channel = client_escape(ctx->argv[2]);
	xasprintf(&tail, "/templates/%s/%s", kind, channel);
	free(kind);
	free(channel);
	return (tail);
}

/* Reads a template file (or - for standard input): UTF-8, at most 32 KiB. */
static int
cmd_read_text(const char *path, char **out)
{
	FILE		*f;
	char		*buf;
	size_t		 len = 0, cap = 32 * 1024, n, bad;

	if (cmd_is_stdio(path))
		f = stdin;
	else if ((f = fopen(path, "r")) == NULL) {
		kursusctl_error(_("cannot read %s: %s"), path, strerror(errno));
		return (KCTL_EXIT_NOINPUT);
	}
	buf = xmalloc(cap + 1);
	while ((n = fread(buf + len, 1, cap + 1 - len, f)) > 0) {
		len += n;
		if (len > cap)
			break;
	}
	if (ferror(f)) {
		kursusctl_error(_("cannot read %s: %s"), path, strerror(errno));
		if (f != stdin)
			fclose(f);
		free(buf);
		return (KCTL_EXIT_NOINPUT);
	}
	if (f != stdin)
		fclose(f);
	if (len > cap) {
		kursusctl_error(_("%s is larger than %zu KiB; a message template "
		    "is a few lines"), path, cap / 1024);
		free(buf);
		return (KCTL_EXIT_DATAERR);
	}
	if ((bad = utf8_first_bad((unsigned char *)buf, len)) != len ||
	    memchr(buf, '\0', len) != NULL) {
		kursusctl_error(_("%s is not UTF-8 text (byte %zu)"), path, bad);
		free(buf);
		return (KCTL_EXIT_DATAERR);
	}
	buf[len] = '\0';
	*out = buf;
	return (0);
}

static void
cmd_print_template_set(struct cmd_ctx *ctx, json_t *answer)
{
	json_t	*sample;

	printf(_("Course type \"%s\" now uses its own %s text for %s (%s).\n"),
	    ctx->argv[0], cmd_str(answer, "channel"), cmd_str(answer, "kind"),
	    cmd_str(answer, "language"));
	sample = json_object_get(answer, "sample");
	if (sample != NULL) {
		printf(_("\nWith sample values it reads:\n"));
		if (cmd_str(sample, "subject") != NULL)
			printf(_("\nSubject: %s\n"), cmd_str(sample, "subject"));
		cmd_print_body(cmd_str(sample, "body"));
	}
}

static int
cmd_template_set(struct cmd_ctx *ctx)
{
	json_t		*body, *query, *answer, *v;
	const char	*file;
	char		*path, *tail, *text;
	int		 ret;

	body = json_object();
	if ((v = json_object_get(ctx->opts, "subject")) != NULL)
		json_object_set(body, "subject", v);
	if ((v = json_object_get(ctx->opts, "body")) != NULL)
		json_object_set(body, "body", v);
	else if ((file = cmd_str(ctx->opts, "body_file")) != NULL) {
		if ((ret = cmd_read_text(file, &text)) != 0) {
			json_decref(body);
			return (ret);
		}
		json_object_set_new(body, "body", json_string(text));
		free(text);
	} else {
		json_decref(body);
		return (kursusctl_usage_error(ctx->entry, _("give --body or "
		    "--body-file")));
	}
	query = json_object();
	if ((v = json_object_get(ctx->opts, "language")) != NULL)
		json_object_set(query, "language", v);
	tail = cmd_template_tail(ctx);
	path = cmd_path("courses", ctx->argv[0], tail);
	free(tail);
	/* A PUT with a query string: more than cmd_request() sends. */
	ret = cmd_send(ctx, "PUT", path, query, body, &answer);
	free(path);
	json_decref(query);
	json_decref(body);
	return (cmd_answer(ctx, ret, answer, cmd_print_template_set));
}

static void
cmd_print_template_unset(struct cmd_ctx *ctx, json_t *answer)
{
	const char	*lang = cmd_str(ctx->opts, "language");

	printf(_("Course type \"%s\" uses the built-in %s text for %s (%s) "
	    "again.\n"), ctx->argv[0], ctx->argv[2], ctx->argv[1],
	    lang != NULL ? lang : "da");
}

static int
cmd_template_unset(struct cmd_ctx *ctx)
{
	json_t		*answer;
	char		*tail, *path;
	int		 ret;

	tail = cmd_template_tail(ctx);
	path = cmd_path("courses", ctx->argv[0], tail);
	free(tail);
	/* A DELETE whose options go in the query string, not a body. */
	ret = cmd_send(ctx, "DELETE", path, ctx->opts, NULL, &answer);
	free(path);
	return (cmd_answer(ctx, ret, answer, cmd_print_template_unset));
}

int
cmd_complete_template(int npos)
{
	if (npos == 0)
		return (CMPL_COURSE);
	if (npos == 1)
		cmd_print_kinds(KIND_TEMPLATE);
	else if (npos == 2)
		printf("email\nsms\n");
	return (CMPL_NONE);
}
