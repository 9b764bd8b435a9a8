/*
 * notify-send: drives the notifier's senders from the command line for
 * the integration tests.
 *
 *   notify-send mail --host H --port N --from A --to B --subject S
 *       --body B [--from-name N] [--to-name N] [--reply-to A]
 *       [--calendar FILE --method REQUEST|CANCEL] [--count K]
 *       [--starttls off|optional|required] [--user U --password P]
 *       [--timeout SECONDS] [--print]
 *   notify-send mail --people FILE --from A --subject S --body B
 *       [--from-name N] [--reply-to A] [--method M] [--html] [--lang L]
 *       [--fresh]
 *   notify-send sms --driver kannel|rest --url URL [--user U]
 *       [--password P] --sender S --to NUMBER --text T [--header H]
 *       [--body TEMPLATE] [--timeout SECONDS]
 *
 * Prints one line per message: its number (from 1), OK, TEMPORARY or
 * PERMANENT, then the provider's id (SMS) or the server's words. --print
 * writes the built mail to stdout instead of sending it. The exit status
 * is 0 when every message went, 1 otherwise, 64 for a usage error.
 *
 * --people: one mail per person of FILE, each printed after a line with
 * its length in bytes: a batch, made by one mail_builder the way the
 * daemon's workers make them, or with --fresh each by mail_build() on
 * its own. FILE holds five NUL-terminated fields a person: address,
 * name, subject, body, calendar (empty: none). --subject and --body are
 * ignored then (but needed).
 */

#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "notifier.h"
#include "xmalloc.h"

static const char *result_names[] = { "OK", "TEMPORARY", "PERMANENT",
    "SERVER" };

enum {
	OPT_HOST = 256, OPT_PORT, OPT_FROM, OPT_FROM_NAME, OPT_TO,
	OPT_TO_NAME, OPT_REPLY_TO, OPT_SUBJECT, OPT_BODY, OPT_CALENDAR,
	OPT_METHOD, OPT_COUNT, OPT_STARTTLS, OPT_USER, OPT_PASSWORD,
	OPT_TIMEOUT, OPT_PRINT, OPT_DRIVER, OPT_URL, OPT_SENDER, OPT_TEXT,
	OPT_HEADER, OPT_PEOPLE, OPT_HTML, OPT_LANG, OPT_FRESH
};

static const struct option longopts[] = {
	{ "host",	required_argument, NULL, OPT_HOST },
	{ "port",	required_argument, NULL, OPT_PORT },
	{ "from",	required_argument, NULL, OPT_FROM },
	{ "from-name",	required_argument, NULL, OPT_FROM_NAME },
	{ "to",		required_argument, NULL, OPT_TO },
	{ "to-name",	required_argument, NULL, OPT_TO_NAME },
	{ "reply-to",	required_argument, NULL, OPT_REPLY_TO },
	{ "subject",	required_argument, NULL, OPT_SUBJECT },
	{ "body",	required_argument, NULL, OPT_BODY },
	{ "calendar",	required_argument, NULL, OPT_CALENDAR },
	{ "method",	required_argument, NULL, OPT_METHOD },
	{ "count",	required_argument, NULL, OPT_COUNT },
	{ "starttls",	required_argument, NULL, OPT_STARTTLS },
	{ "user",	required_argument, NULL, OPT_USER },
	{ "password",	required_argument, NULL, OPT_PASSWORD },
	{ "timeout",	required_argument, NULL, OPT_TIMEOUT },
	{ "print",	no_argument,	   NULL, OPT_PRINT },
	{ "driver",	required_argument, NULL, OPT_DRIVER },
	{ "url",	required_argument, NULL, OPT_URL },
	{ "sender",	required_argument, NULL, OPT_SENDER },
	{ "text",	required_argument, NULL, OPT_TEXT },
	{ "header",	required_argument, NULL, OPT_HEADER },
	{ "people",	required_argument, NULL, OPT_PEOPLE },
	{ "html",	no_argument,	   NULL, OPT_HTML },
	{ "lang",	required_argument, NULL, OPT_LANG },
	{ "fresh",	no_argument,	   NULL, OPT_FRESH },
	{ NULL,		0,		   NULL, 0 }
};

struct args {
	const char	*host, *from, *from_name, *to, *to_name, *reply_to;
	const char	*subject, *body, *calendar, *method, *starttls;
	const char	*user, *password, *driver, *url, *sender, *text;
	const char	*header, *people, *lang;
	int		 port, count, timeout, print, html, fresh;
};

static __attribute__((noreturn)) void
usage(const char *why)
{
	fprintf(stderr, "notify-send: %s\n"
	    "usage: notify-send mail --host H --port N --from A --to B "
	    "--subject S --body B [...]\n"
	    "       notify-send sms --driver kannel|rest --url URL "
	    "--sender S --to N --text T [...]\n", why);
	exit(EX_USAGE);
}

static int
number(const char *s, int min, int max)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < min || v > max)
		usage("bad number");
	return ((int)v);
}

static char *
read_file_len(const char *path, size_t *lenp)
{
	FILE	*f;
	char	*data = NULL;
	size_t	 len = 0, n;
	char	 buf[4096];

	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		exit(EX_NOINPUT);
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		data = xreallocarray(data, len + n + 1, 1);
		memcpy(data + len, buf, n);
		len += n;
	}
	fclose(f);
	if (data == NULL)
		data = xstrdup("");
	else
		data[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return (data);
}

static char *
read_file(const char *path)
{
	return (read_file_len(path, NULL));
}

/* --people: a batch of mails, printed each after its length. */
static int
do_people(struct args *a)
{
	struct mail_builder	*mb = NULL;
	struct mail		 m;
	const char		*f[5];
	char			*data, *p, *end, *out, *id;
	size_t			 len, n;
	int			 i, k;

	data = read_file_len(a->people, &len);
	end = data + len;
	if (!a->fresh)
		mb = mail_builder_new();
	for (p = data, i = 1; p < end; i++) {
		for (k = 0; k < 5; k++) {
			if (p >= end)
				usage("--people: a person needs five fields");
			f[k] = p;
			p += strlen(p) + 1;
		}
		memset(&m, 0, sizeof m);
		m.from = a->from;
		m.from_name = a->from_name;
		m.reply_to = a->reply_to;
		m.to = f[0];
		m.to_name = f[1];
		m.subject = f[2];
		m.body = f[3];
		m.calendar = *f[4] != '\0' ? f[4] : NULL;
		m.calendar_method = a->method;
		m.lang = a->lang;
		m.html = a->html;
		id = xprintf("<notify-send.%d.%d@kursusd.test>", (int)getpid(),
		    i);
		m.message_id = id;
		m.date = time(NULL);
		out = mb != NULL ? mail_builder_build(mb, &m, &n) :
		    mail_build(&m, &n);
		printf("%zu\n", n);
		fwrite(out, 1, n, stdout);
		free(out);
		free(id);
	}
	mail_builder_free(mb);
	free(data);
	return (0);
}

static void
print_result(int i, int result, const char *what)
{
	printf("%d %s%s%s\n", i, result_names[result],
	    what != NULL ? " " : "", what != NULL ? what : "");
}

static int
do_mail(struct args *a)
{
	struct smtp_config	 sc;
	struct smtp_message	*msgs;
	struct mail		 m;
	char			*calendar = NULL, *id;
	int			 i, failed = 0;

	if (a->people != NULL && a->from != NULL)
		return (do_people(a));
	if (a->from == NULL || a->to == NULL || a->subject == NULL ||
	    a->body == NULL)
		usage("mail needs --from, --to, --subject and --body");
	if (!a->print && (a->host == NULL || a->port == 0))
		usage("mail needs --host and --port");
	if (a->calendar != NULL)
		calendar = read_file(a->calendar);

	memset(&sc, 0, sizeof sc);
	sc.host = a->host;
	sc.port = a->port;
	sc.user = a->user;
	sc.password = a->password;
	sc.timeout = a->timeout;
	sc.starttls = SMTP_TLS_OFF;
	if (a->starttls == NULL || strcmp(a->starttls, "off") == 0)
		sc.starttls = SMTP_TLS_OFF;
	else if (strcmp(a->starttls, "optional") == 0)
		sc.starttls = SMTP_TLS_OPTIONAL;
	else if (strcmp(a->starttls, "required") == 0)
		sc.starttls = SMTP_TLS_REQUIRED;
	else
		usage("bad --starttls");

	msgs = xcalloc(a->count, sizeof *msgs);
	for (i = 0; i < a->count; i++) {
		memset(&m, 0, sizeof m);
		m.from = a->from;
		m.from_name = a->from_name;
		m.reply_to = a->reply_to;
		m.to = a->to;
		m.to_name = a->to_name;
		m.subject = a->subject;
		m.body = a->body;
		m.calendar = calendar;
		m.calendar_method = a->method;
		id = xprintf("<notify-send.%ld.%d.%d@kursusd.test>",
		    (long)time(NULL), (int)getpid(), i + 1);
		m.message_id = id;
		m.date = time(NULL);
		msgs[i].from = a->from;
		msgs[i].to = a->to;
		msgs[i].data = mail_build(&m, &msgs[i].len);
		free(id);
	}

	if (a->print) {
		for (i = 0; i < a->count; i++)
			fwrite(msgs[i].data, 1, msgs[i].len, stdout);
	} else {
		smtp_send(&sc, msgs, a->count);
		for (i = 0; i < a->count; i++) {
			print_result(i + 1, msgs[i].result, msgs[i].error);
			if (msgs[i].result != SEND_OK)
				failed = 1;
		}
	}
	for (i = 0; i < a->count; i++) {
		free((char *)msgs[i].data);
		free(msgs[i].error);
	}
	free(msgs);
	free(calendar);
	return (failed);
}

static int
do_sms(struct args *a)
{
	struct sms_config	 sc;
	char			*id, *error;
	int			 i, result, failed = 0;

	if (a->driver == NULL || a->url == NULL || a->to == NULL ||
	    a->text == NULL)
		usage("sms needs --driver, --url, --to and --text");
	memset(&sc, 0, sizeof sc);
	if (strcmp(a->driver, "kannel") == 0)
		sc.driver = SMS_KANNEL;
	else if (strcmp(a->driver, "rest") == 0)
		sc.driver = SMS_REST;
	else
		usage("bad --driver");
	sc.url = a->url;
	sc.user = a->user;
	sc.password = a->password;
	sc.sender = a->sender;
	sc.header = a->header;
	sc.body = a->body;
	sc.timeout = a->timeout;

	for (i = 0; i < a->count; i++) {
		result = sms_send(&sc, a->to, a->text, &id, &error);
		print_result(i + 1, result, result == SEND_OK ? id : error);
		if (result != SEND_OK)
			failed = 1;
		free(id);
		free(error);
	}
	return (failed);
}

int
main(int argc, char **argv)
{
	struct args	 a;
	const char	*cmd;
	int		 ch;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage("no command");
	cmd = argv[1];
	memset(&a, 0, sizeof a);
	a.count = 1;
	a.timeout = 10;
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_HOST: a.host = optarg; break;
		case OPT_PORT: a.port = number(optarg, 1, 65535); break;
		case OPT_FROM: a.from = optarg; break;
		case OPT_FROM_NAME: a.from_name = optarg; break;
		case OPT_TO: a.to = optarg; break;
		case OPT_TO_NAME: a.to_name = optarg; break;
		case OPT_REPLY_TO: a.reply_to = optarg; break;
		case OPT_SUBJECT: a.subject = optarg; break;
		case OPT_BODY: a.body = optarg; break;
		case OPT_CALENDAR: a.calendar = optarg; break;
		case OPT_METHOD: a.method = optarg; break;
		case OPT_COUNT: a.count = number(optarg, 1, 100000); break;
		case OPT_STARTTLS: a.starttls = optarg; break;
		case OPT_USER: a.user = optarg; break;
		case OPT_PASSWORD: a.password = optarg; break;
		case OPT_TIMEOUT: a.timeout = number(optarg, 1, 3600); break;
		case OPT_PRINT: a.print = 1; break;
		case OPT_DRIVER: a.driver = optarg; break;
		case OPT_URL: a.url = optarg; break;
		case OPT_SENDER: a.sender = optarg; break;
		case OPT_TEXT: a.text = optarg; break;
		case OPT_HEADER: a.header = optarg; break;
		case OPT_PEOPLE: a.people = optarg; break;
		case OPT_HTML: a.html = 1; break;
		case OPT_LANG: a.lang = optarg; break;
		case OPT_FRESH: a.fresh = 1; break;
		default: usage("unknown option");
		}
	}
	if (optind != argc)
		usage("stray arguments");
	if (strcmp(cmd, "mail") == 0)
		return (do_mail(&a));
	if (strcmp(cmd, "sms") == 0)
		return (do_sms(&a));
	usage("unknown command");
}
