/*
 * A refusal (struct fail): its sentence, and for kursusctl to say it in
 * its user's language, the format it was made from (the msgid of the CLI's
 * catalogue, po/) and the text each conversion made of its argument.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cause.h"
#include "conv.h"
#include "kursusd.h"
#include "utf8.h"

/*
 * f's msgid fmt and its n arguments' texts from args (one after another,
 * each ending in NUL), made well-formed UTF-8; left without a msgid when
 * they do not fit (the sentence then goes in English only).
 */
static void
fail_format(struct fail *f, const char *fmt, const char *args, int n)
{
	size_t	 used = 0, len;
	int	 i;

	if (n < 0 || strlen(fmt) >= sizeof f->msgid)
		return;
	for (i = 0; i < n; i++) {
		len = utf8_clean(f->args + used, sizeof f->args - used, args);
		if (used + len + 1 >= sizeof f->args)
			return;
		used += len + 1;
		args += strlen(args) + 1;
	}
	memcpy(f->msgid, fmt, strlen(fmt) + 1);
	f->nargs = n;
}

int
fail_set(struct fail *f, int status, const char *field, const char *fmt, ...)
{
	va_list		 ap;
	char		 msg[sizeof f->msg * 2], args[sizeof f->args];
	const char	*cfmt = NULL, *cargs = NULL;
	int		 n;

	if (f == NULL)
		return (-1);
	/*
	 * The arguments' texts first: one of them may be f's own old
	 * sentence. "%s" alone passes on a sentence made elsewhere: a cause,
	 * said through the cause's own format (cause_set()), or nothing.
	 */
	va_start(ap, fmt);
	if (strcmp(fmt, "%s") == 0)
		n = cause_format(va_arg(ap, const char *), &cfmt, &cargs);
	else {
		n = conv_args(args, sizeof args, fmt, ap);
		cfmt = fmt;
		cargs = args;
	}
	va_end(ap);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	f->status = status;
	/*
	 * A message may quote what a client sent, and a quote may be cut
	 * inside a character: both become well-formed UTF-8 here, so that
	 * every refusal can be written as JSON.
	 */
	utf8_clean(f->field, sizeof f->field, field != NULL ? field : "");
	utf8_clean(f->msg, sizeof f->msg, msg);
	f->msgid[0] = '\0';
	f->nargs = 0;
	fail_format(f, cfmt, cargs, n);
	return (-1);
}

json_t *
fail_json(const struct fail *f)
{
	json_t		*j, *args;
	const char	*p = f->args;
	int		 i;

	j = json_pack("{s:s, s:s?}", "error", f->msg, "field",
	    f->field[0] != '\0' ? f->field : NULL);
	if (j == NULL || f->msgid[0] == '\0')
		return (j);
	args = json_array();
	for (i = 0; i < f->nargs; i++) {
		json_array_append_new(args, json_string(p));
		p += strlen(p) + 1;
	}
	json_object_set_new(j, "msgid", json_string(f->msgid));
	json_object_set_new(j, "args", args);
	return (j);
}
