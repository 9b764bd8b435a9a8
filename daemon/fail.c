/*
 * A refusal (struct fail): its sentence, and for kursusctl to say it in
 * its user's language, the format it was made from (the msgid of the CLI's
 * catalogue, po/) and the text each conversion made of its argument.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conv.h"
#include "kursusd.h"
#include "utf8.h"

/*
 * The texts of fmt's arguments in f->args, well-formed UTF-8 each; 0, or
 * -1 when they do not fit (then the sentence goes without its format).
 */
static int
fail_args(struct fail *f, const char *fmt, va_list ap)
{
	char	 args[sizeof f->args];
	char	*p = args;
	size_t	 used = 0, len;
	int	 i, n;

	if ((n = conv_args(args, sizeof args, fmt, ap)) < 0)
		return (-1);
	for (i = 0; i < n; i++) {
		len = utf8_clean(f->args + used, sizeof f->args - used, p);
		if (used + len + 1 >= sizeof f->args)
			return (-1);
		used += len + 1;
		p += strlen(p) + 1;
	}
	f->nargs = n;
	return (0);
}

int
fail_set(struct fail *f, int status, const char *field, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[sizeof f->msg * 2];

	if (f == NULL)
		return (-1);
	f->status = status;
	/*
	 * A message may quote what a client sent, and a quote may be cut
	 * inside a character: both become well-formed UTF-8 here, so that
	 * every refusal can be written as JSON.
	 */
	utf8_clean(f->field, sizeof f->field, field != NULL ? field : "");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	utf8_clean(f->msg, sizeof f->msg, msg);

	/* "%s" alone passes on a sentence made elsewhere: nothing to say. */
	f->msgid[0] = '\0';
	f->nargs = 0;
	if (strcmp(fmt, "%s") != 0 && strlen(fmt) < sizeof f->msgid) {
		va_start(ap, fmt);
		if (fail_args(f, fmt, ap) == 0)
			memcpy(f->msgid, fmt, strlen(fmt) + 1);
		else
			f->nargs = 0;
		va_end(ap);
	}
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
