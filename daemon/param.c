/*
 * What a route reads from its request: fields of the JSON body checked by
 * name and type, the query's times, slugs and ids, the path's ids. Each
 * refusal names the field and what was wrong (struct fail).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars.h"
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "kursusd.h"
#include "citizen.h"

static const char *
param_type_name(int type)
{
	switch (type) {
	case FT_TEXT:	return ("a string");
	case FT_INT:	return ("an integer");
	case FT_BOOL:	return ("true or false");
	case FT_REAL:	return ("a number");
	case FT_ARRAY:	return ("an array");
	}
	return ("a value");
}

int
param_check_fields(json_t *body, const struct field *fields, size_t n,
    struct fail *f)
{
	const char	*key;
	json_t		*v;
	size_t		 i;
	int		 ok;

	if (body == NULL)
		return (0);
	json_object_foreach(body, key, v) {
		for (i = 0; i < n; i++) {
			if (strcmp(fields[i].name, key) == 0)
				break;
		}
		if (i == n)
			return (fail_set(f, 400, key, "unknown field \"%s\"",
			    key));
		if (json_is_null(v))
			continue;
		switch (fields[i].type) {
		case FT_TEXT:	ok = json_is_string(v); break;
		case FT_INT:	ok = json_is_integer(v); break;
		case FT_BOOL:	ok = json_is_boolean(v); break;
		case FT_REAL:	ok = json_is_number(v); break;
		case FT_ARRAY:	ok = json_is_array(v); break;
		default:	ok = 1; break;
		}
		if (!ok)
			return (fail_set(f, 400, key, "field \"%s\" must be %s",
			    key, param_type_name(fields[i].type)));
	}
	return (0);
}

const char *
param_text(json_t *body, const char *name)
{
	return (json_string_value(json_object_get(body, name)));
}

int
param_has(json_t *body, const char *name)
{
	return (json_object_get(body, name) != NULL);
}

/*
 * A time filter from the query string, in the default zone. A day alone
 * ("2026-12-03", "today", "i morgen") means its midnight for "from" and
 * the next midnight for "to", so the range covers the whole day.
 */
int
param_time(struct api_req *req, const char *name, time_t *out,
    int *given)
{
	static const char	*days[] = { "today", "i dag", "tomorrow",
	    "i morgen" };
	const char		*tz = store_default_timezone(req->store);
	const char		*text;
	char			*cause = NULL, *copy;
	struct cal_local	 l;
	size_t			 i;
	int			 day = 0, rc;

	*given = 0;
	text = json_string_value(json_object_get(req->query, name));
	if (text == NULL || *text == '\0')
		return (0);
	for (i = 0; i < sizeof days / sizeof days[0]; i++) {
		if (strcmp(text, days[i]) == 0)
			day = 1;
	}
	copy = day ? xprintf("%s 00:00", text) : xstrdup(text);
	if (strlen(text) == 10 && text[4] == '-' && text[7] == '-')
		day = 1;
	rc = when_parse(copy, tz, store_now(req->store), out, &cause);
	free(copy);
	if (rc != 0) {
		fail_set(&req->fail, 422, name, "%s: %s", name, cause);
		free(cause);
		return (-1);
	}
	if (day && strcmp(name, "to") == 0) {
		zone_utc_to_local(tz, *out + 30 * 3600, &l);
		l.hour = l.minute = l.second = 0;
		if (zone_local_to_utc(tz, &l, out, NULL) != 0)
			*out += 24 * 3600;
	}
	*given = 1;
	return (0);
}

/*
 * Refuses a query parameter that is not among the names given (a NULL-ended
 * list), saying which ones there are.
 */
int
param_check_query(struct api_req *req, ...)
{
	const char	*key, *name;
	char		 list[128];
	json_t		*v;
	va_list		 ap;
	size_t		 len;
	int		 known;

	json_object_foreach(req->query, key, v) {
		known = 0;
		list[0] = '\0';
		va_start(ap, req);
		while ((name = va_arg(ap, const char *)) != NULL) {
			if (strcmp(key, name) == 0)
				known = 1;
			len = strlen(list);
			snprintf(list + len, sizeof list - len, "%s%s",
			    len > 0 ? ", " : "", name);
		}
		va_end(ap);
		if (!known)
			return (fail_set(&req->fail, 400, key, "unknown filter "
			    "\"%s\" (%s)", key, list[0] != '\0' ? list :
			    "this route takes none"));
	}
	return (0);
}

int
param_id(struct api_req *req, int idx, const char *what, int64_t *id)
{
	const char	*s = req->param[idx];
	size_t		 n = strspn(s, "0123456789");

	/* Plain digits only: not "+1", " 1", "1.0" or "01". */
	if (n == 0 || n > 18 || s[n] != '\0' || *s == '0')
		return (fail_set(&req->fail, 404, what, "no %s with id \"%s\"",
		    what, s));
	*id = strtoll(s, NULL, 10);
	return (0);
}

json_t *
param_query(const char *query, struct fail *f)
{
	struct evkeyvalq	 q;
	struct evkeyval		*kv;
	json_t			*o = json_object(), *v;

	if (query == NULL || *query == '\0')
		return (o);
	q.tqh_first = NULL;
	q.tqh_last = &q.tqh_first;
	if (evhttp_parse_query_str(query, &q) != 0) {
		fail_set(f, 400, NULL, "malformed query string");
		goto fail;
	}
	for (kv = q.tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		if ((v = json_string(kv->value)) == NULL ||
		    json_object_set_new(o, kv->key, v) != 0) {
			fail_set(f, 400, NULL, "query parameter \"%s\" is not "
			    "valid UTF-8", kv->key);
			goto fail;
		}
	}
	evhttp_clear_headers(&q);
	return (o);
fail:
	evhttp_clear_headers(&q);
	json_decref(o);
	return (NULL);
}
