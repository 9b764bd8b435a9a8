/*
 * How kursusctl says what went wrong: one line on stderr, naming the
 * command and its --help for a usage error. Every other file of the CLI
 * may call these; this file calls none of them.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kursusctl.h"

/* Set while completing: no messages for half-typed words. */
static int	 kursusctl_quiet;

void
kursusctl_error_quiet(void)
{
	kursusctl_quiet = 1;
}

void
kursusctl_error(const char *fmt, ...)
{
	va_list	ap;

	if (kursusctl_quiet)
		return;
	fputs("kursusctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *
kursusctl_command_name(const struct cmd_entry *ce)
{
	static char	name[64];

	if (ce->sub != NULL)
		snprintf(name, sizeof name, "%s %s", ce->name, ce->sub);
	else
		snprintf(name, sizeof name, "%s", ce->name);
	return (name);
}

int
kursusctl_usage_error(const struct cmd_entry *ce, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (kursusctl_quiet)
		return (KCTL_EXIT_USAGE);
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (ce == NULL)
		kursusctl_error(_("%s (see 'kursusctl --help')"), msg);
	else
		kursusctl_error(_("%s: %s (see 'kursusctl %s --help')"),
		    kursusctl_command_name(ce), msg,
		    kursusctl_command_name(ce));
	free(msg);
	return (KCTL_EXIT_USAGE);
}
