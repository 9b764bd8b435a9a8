/*
 * Attendance: who came to a session. Staff name people as they have them
 * at hand on the list: the participant id, the running number ("kursist
 * nr.": "nr:3000", or a bare number that can only be one of the two), or
 * the name, matched within the session's registrations; or everyone
 * confirmed at once. All of it in the request's one transaction: a name
 * that does not match refuses the whole request.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "kursusd.h"

static const struct field attendance_fields[] = {
	{ "present", FT_ARRAY }, { "absent", FT_ARRAY },
	{ "all_present", FT_BOOL },
};

/* The session's live registrations, each {id, pid, number, status, name}. */
static const char *sql_live = "SELECT json_group_array(json_object("
    "'id', r.id, 'pid', r.participant_id, 'number', r.number,"
    " 'status', r.status, 'name', p.name)) FROM registration r"
    " JOIN participant p ON p.id = r.participant_id"
    " WHERE r.session_id = ? AND r.status != 'cancelled'";

static int64_t
attendance_get(json_t *reg, const char *key)
{
	return (json_integer_value(json_object_get(reg, key)));
}

/*
 * A name as compared: lower case (ASCII, and Æ, Ø, Å), runs of spaces as
 * one, none at the ends. Caller frees.
 */
static char *
attendance_fold(const char *s)
{
	char		*out, *o;
	unsigned char	 c;
	int		 space = 0;

	o = out = xmalloc(strlen(s) + 1);
	while (*s == ' ')
		s++;
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t') {
			space = 1;
			continue;
		}
		if (space && o != out)
			*o++ = ' ';
		space = 0;
		c = (unsigned char)s[1];
		if ((unsigned char)s[0] == 0xc3 && (c == 0x86 || c == 0x98 ||
		    c == 0x85)) {
			*o++ = s[0];
			*o++ = (char)(c + 0x20);	/* Æ Ø Å to æ ø å */
			s++;
		} else
			*o++ = (char)tolower((unsigned char)*s);
	}
	*o = '\0';
	return (out);
}

/* Who a registration is, for messages: "Jørgen Smidstrup (nr. 3000,
 * participant 3)". Caller frees. */
static char *
attendance_who(json_t *reg)
{
	return (xprintf("%s (nr. %lld, participant %lld)",
	    json_string_value(json_object_get(reg, "name")),
	    (long long)attendance_get(reg, "number"),
	    (long long)attendance_get(reg, "pid")));
}


/* The registration with key = n, or NULL. */
static json_t *
attendance_by(json_t *regs, const char *key, int64_t n)
{
	json_t	*r;
	size_t	 i;

	json_array_foreach(regs, i, r)
		if (attendance_get(r, key) == n)
			return (r);
	return (NULL);
}

/* A whole positive number, or -1. */
static int64_t
attendance_number(const char *s)
{
	char		*end;
	long long	 n;

	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	n = strtoll(s, &end, 10);
	while (*end == ' ')
		end++;
	if (*end != '\0' || errno != 0 || n <= 0)
		return (-1);
	return (n);
}

/* Whether word starts one of the words of name (after a space or '-'). */
static int
attendance_word_in(const char *name, const char *word)
{
	const char	*at;

	for (at = name; (at = strstr(at, word)) != NULL; at++)
		if (at == name || at[-1] == ' ' || at[-1] == '-')
			return (1);
	return (0);
}

/* Whether every word of want (folded) starts a word of name (folded):
 * "karen holm" is in "karen <b>x</b> holm", "jørgen s" in "jørgen
 * smidstrup" but not in "jørgen hansen". */
static int
attendance_words(const char *name, const char *want)
{
	char	*copy, *p, *word;
	int	 all = 1;

	copy = p = xstrdup(want);
	while (all && (word = strsep(&p, " ")) != NULL)
		if (*word != '\0' && !attendance_word_in(name, word))
			all = 0;
	free(copy);
	return (all);
}

/* By name: the one whose whole name it is, else the one whose name holds
 * its words; several are refused, naming them. */
static json_t *
attendance_by_name(json_t *regs, const char *text, const char *field,
    int64_t sid, struct fail *f)
{
	json_t		*r, *exact = NULL, *part = NULL;
	char		*want, *name, *list = NULL, *who, *next;
	size_t		 i, nexact = 0, npart = 0;

	want = attendance_fold(text);
	json_array_foreach(regs, i, r) {
		name = attendance_fold(json_string_value(json_object_get(r,
		    "name")));
		if (strcmp(name, want) == 0) {
			exact = r;
			nexact++;
		}
		if (*want != '\0' && attendance_words(name, want)) {
			part = r;
			npart++;
		}
		free(name);
	}
	if (nexact == 1 || (nexact == 0 && npart == 1)) {
		free(want);
		return (nexact == 1 ? exact : part);
	}
	if (nexact + npart == 0) {
		free(want);
		fail_set(f, 422, field, "nobody registered for session %lld "
		    "is called \"%s\"; give the kursist nr. (nr:3000) or the "
		    "participant id", (long long)sid, text);
		return (NULL);
	}
	json_array_foreach(regs, i, r) {
		name = attendance_fold(json_string_value(json_object_get(r,
		    "name")));
		if (nexact > 0 ? strcmp(name, want) == 0 :
		    attendance_words(name, want)) {
			who = attendance_who(r);
			if (list == NULL)
				list = who;
			else {
				next = xprintf("%s; %s", list, who);
				free(list);
				free(who);
				list = next;
			}
		}
		free(name);
	}
	fail_set(f, 422, field, "\"%s\" matches %zu people registered for "
	    "session %lld: %s; give the kursist nr. (nr:NUMBER) or the "
	    "participant id", text, nexact > 0 ? nexact : npart,
	    (long long)sid, list);
	free(list);
	free(want);
	return (NULL);
}

/*
 * The registration a reference names: an integer is a participant id;
 * text is "nr:N" (a running number), "id:N" (a participant id), a bare
 * number (whichever of the two it is in this session; both refused as
 * unclear), or a name. NULL with f filled when it names nobody, or
 * more than one.
 */
static json_t *
attendance_find(json_t *regs, json_t *ref, const char *field, int64_t sid,
    struct fail *f)
{
	json_t		*by_id, *by_nr;
	const char	*s;
	int64_t		 n;

	if (json_is_integer(ref)) {
		n = json_integer_value(ref);
		if ((by_id = attendance_by(regs, "pid", n)) == NULL)
			fail_set(f, 422, field, "participant %lld is not "
			    "registered for session %lld", (long long)n,
			    (long long)sid);
		return (by_id);
	}
	if (!json_is_string(ref)) {
		fail_set(f, 400, field, "%s must be an array of participant "
		    "ids, running numbers (\"nr:3000\") or names", field);
		return (NULL);
	}
	s = json_string_value(ref);
	while (*s == ' ')
		s++;
	if (strncasecmp(s, "nr", 2) == 0 && (s[2] == ':' || s[2] == '.' ||
	    s[2] == ' ') && (n = attendance_number(s + 3)) > 0) {
		if ((by_nr = attendance_by(regs, "number", n)) == NULL)
			fail_set(f, 422, field, "no registration for session "
			    "%lld has kursist nr. %lld", (long long)sid,
			    (long long)n);
		return (by_nr);
	}
	if (strncasecmp(s, "id:", 3) == 0 &&
	    (n = attendance_number(s + 3)) > 0) {
		if ((by_id = attendance_by(regs, "pid", n)) == NULL)
			fail_set(f, 422, field, "participant %lld is not "
			    "registered for session %lld", (long long)n,
			    (long long)sid);
		return (by_id);
	}
	if ((n = attendance_number(s)) > 0) {
		by_id = attendance_by(regs, "pid", n);
		by_nr = attendance_by(regs, "number", n);
		if (by_id != NULL && by_nr != NULL && by_id != by_nr) {
			fail_set(f, 422, field, "%lld is unclear in session "
			    "%lld: participant %lld is %s, kursist nr. %lld "
			    "is %s; write id:%lld or nr:%lld", (long long)n,
			    (long long)sid, (long long)n,
			    json_string_value(json_object_get(by_id, "name")),
			    (long long)n,
			    json_string_value(json_object_get(by_nr, "name")),
			    (long long)n, (long long)n);
			return (NULL);
		}
		if (by_id == NULL && by_nr == NULL)
			fail_set(f, 422, field, "%lld is neither a participant "
			    "id nor a kursist nr. registered for session %lld",
			    (long long)n, (long long)sid);
		return (by_id != NULL ? by_id : by_nr);
	}
	if (*s == '\0') {
		fail_set(f, 422, field, "an empty name in %s", field);
		return (NULL);
	}
	return (attendance_by_name(regs, s, field, sid, f));
}

int
attendance_record(struct api_req *req)
{
	static const char *sql_set = "UPDATE registration SET attendance = ?, "
	    "updated_at = ? WHERE id = ?";
	static const char *sql_all = "UPDATE registration SET attendance = "
	    "'attended', updated_at = ?2 WHERE session_id = ?1 AND status = "
	    "'confirmed' AND id NOT IN (SELECT value FROM json_each(?3))";
	static const char *sql_list = "SELECT j FROM registration_json WHERE "
	    "session_id = ? AND status = 'confirmed' ORDER BY queue, id";
	static const char *names[] = { "present", "absent" };
	static const char *values[] = { "attended", "no-show" };
	struct store		*st = req->store;
	struct fail		*f = &req->fail;
	struct session_row	 s;
	int64_t			 sid, rid, marked[2] = { 0, 0 }, n;
	json_t			*regs, *reg, *list, *v, *seen, *absent;
	const char		*status;
	char			 key[32], *ids, *who;
	size_t			 k, i;
	int			 rc = -1;

	if (param_id(req, 0, "session", &sid) != 0 ||
	    param_check_fields(req->body, attendance_fields, sizeof
	    attendance_fields / sizeof attendance_fields[0], f) != 0 ||
	    session_load(st, sid, &s, f) != 0)
		return (-1);
	if (strcmp(s.status, "cancelled") == 0)
		return (fail_set(f, 409, "session", "session %lld was "
		    "cancelled", (long long)sid));
	if (s.start > store_now(st))
		return (fail_set(f, 409, "session", "session %lld has not "
		    "started yet; attendance is recorded afterwards",
		    (long long)sid));
	regs = store_json(st, sql_live, "i", sid);
	seen = json_object();
	absent = json_array();
	for (k = 0; k < 2; k++) {
		list = json_object_get(req->body, names[k]);
		json_array_foreach(list, i, v) {
			if ((reg = attendance_find(regs, v, names[k], sid,
			    f)) == NULL)
				goto out;
			status = json_string_value(json_object_get(reg,
			    "status"));
			rid = attendance_get(reg, "id");
			snprintf(key, sizeof key, "%lld", (long long)rid);
			if (strcmp(status, "confirmed") != 0 ||
			    json_object_get(seen, key) != NULL) {
				who = attendance_who(reg);
				if (strcmp(status, "waitlisted") == 0)
					fail_set(f, 422, names[k], "%s is "
					    "waitlisted in session %lld; "
					    "attendance is for confirmed seats",
					    who, (long long)sid);
				else if (strcmp(status, "confirmed") != 0)
					fail_set(f, 422, names[k], "%s is %s "
					    "in session %lld; attendance is "
					    "for confirmed seats", who, status,
					    (long long)sid);
				else
					fail_set(f, 422, names[k], "%s is "
					    "named twice", who);
				free(who);
				goto out;
			}
			json_object_set_new(seen, key, json_true());
			if (k == 1)
				json_array_append_new(absent,
				    json_integer(rid));
			if (store_exec(st, f, sql_set, "tii", values[k],
			    (int64_t)store_now(st), rid) < 0)
				goto out;
			marked[k]++;
		}
	}
	/* Everyone confirmed came, but for those just named absent. */
	if (json_is_true(json_object_get(req->body, "all_present"))) {
		ids = json_dumps(absent, JSON_COMPACT);
		n = store_exec(st, f, sql_all, "iit", sid,
		    (int64_t)store_now(st), ids);
		free(ids);
		if (n < 0)
			goto out;
		marked[0] = n;
	}
	req->out = json_pack("{s:o, s:I, s:I}", "registrations",
	    store_json_array(st, sql_list, "i", sid), "marked_present",
	    (json_int_t)marked[0], "marked_absent", (json_int_t)marked[1]);
	rc = 0;
out:
	json_decref(regs);
	json_decref(seen);
	json_decref(absent);
	return (rc);
}
