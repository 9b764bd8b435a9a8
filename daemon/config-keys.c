/*
 * The one table of configuration keys (section, name, type, bounds,
 * default, help), which config.c reads for the file, the -o overrides,
 * the defaults and the list --help prints.
 */
#include "config.h"

#include <stddef.h>

#include "calendars.h"
#include "kursusd.h"
#include "config-private.h"

/* The words a CT_CHOICE key takes, stored as their index 0, 1, 2. */
const struct config_choices config_choices[] = {
	{ "smtp", "starttls", "off|optional|required" },
	{ "sms", "driver", "none|kannel|rest" },
	{ "calendar", "holidays", "none|official|customary" },
	{ "smtp", "html", "off|on" },
	{ "reminders", "one_a_day", "off|on" },
};
const size_t config_nchoices = sizeof config_choices /
    sizeof config_choices[0];

#define OFF(f)	offsetof(struct config, f)
const struct config_key config_keys[] = {
	{ "daemon", "database", CT_PATH, OFF(database), KURSUS_DB_PATH, 0, 0,
	  "SQLite database file; its directory is kursusd's state directory, "
	  "made 0750 at start" },
	{ "daemon", "pidfile", CT_PATH, OFF(pidfile),
	  KURSUS_RUN_DIR "/kursusd.pid", 0, 0,
	  "pid file; empty for none" },
	{ "daemon", "user", CT_STRING, OFF(daemon_user), "kursusd", 0, 0,
	  "started as root, kursusd runs as this user once its sockets are "
	  "open" },
	{ "daemon", "group", CT_STRING, OFF(daemon_group), "", 0, 0,
	  "the group kursusd runs as when started as root; empty: the "
	  "user's primary group" },
	{ "daemon", "timezone", CT_ZONE, OFF(timezone), "Europe/Copenhagen",
	  0, 0, "default time zone of venues and of times without a venue" },
	{ "daemon", "log_level", CT_LOGLEVEL, OFF(log_level), "info", 0, 0,
	  "warn, info or debug" },
	{ "daemon", "retention_days", CT_INT, OFF(retention_days), "730", 0,
	  36500, "anonymise participants this many days after their last "
	  "session; 0 never" },
	{ "daemon", "go_no_go_hours", CT_INT, OFF(go_no_go_hours), "48", 0,
	  24 * 60, "flag sessions below their minimum this close to start" },
	{ "daemon", "synchronous", CT_SYNC, OFF(synchronous), "full", 0, 0,
	  "full (a registration survives power loss) or normal" },
	{ "admin", "socket", CT_PATH, OFF(admin_socket), KURSUS_SOCKET_PATH,
	  0, 0, "admin API unix socket; its directory is kursusd's runtime "
	  "directory, made 0755 at start" },
	{ "admin", "socket_mode", CT_MODE, OFF(admin_socket_mode), "0660", 0,
	  0777, "permissions of the admin socket" },
	{ "admin", "socket_group", CT_STRING, OFF(admin_socket_group), "", 0,
	  0, "group of the admin socket; empty keeps the daemon's" },
	{ "admin", "listen", CT_STRING, OFF(admin_listen), "", 0, 0,
	  "host:port for the admin API over TCP with a token; empty for none" },
	{ "admin", "token_file", CT_PATH, OFF(admin_token_file), "", 0, 0,
	  "bearer token for TCP admin; created 0600 if missing; empty: "
	  KURSUS_TOKEN_NAME " beside the database" },
	{ "admin", "allow", CT_STRING, OFF(admin_allow), "127.0.0.1/8,::1", 0,
	  0, "addresses (CIDR, comma-separated) allowed on TCP admin" },
	{ "admin", "max_failures", CT_INT, OFF(admin_max_failures), "5", 1,
	  1000, "failed token attempts per address per minute before 429" },
	{ "admin", "max_failures_total", CT_INT,
	  OFF(admin_max_failures_total), "100", 1, 1000, "failed token "
	  "attempts per minute from all addresses together before 429" },
	{ "admin", "max_connections", CT_INT, OFF(admin_max_connections),
	  "64", 4, 4096, "connections at once on the admin TCP listener" },
	{ "admin", "tls_cert", CT_PATH, OFF(admin_tls_cert), "", 0, 0,
	  "PEM certificate (and chain) of the admin TCP listener, which with "
	  "tls_key speaks TLS 1.2 or later; required for a listen address "
	  "that is not loopback" },
	{ "admin", "tls_key", CT_PATH, OFF(admin_tls_key), "", 0, 0,
	  "PEM private key of tls_cert, read before kursusd drops root; "
	  "no one but its owner (root or daemon.user) may read it" },
	{ "admin", "tls_cacert", CT_PATH, OFF(admin_tls_cacert), "", 0, 0,
	  "for kursusctl: the CA certificate that verifies tls_cert "
	  "(kursusd does not read it)" },
	{ "public", "listen", CT_STRING, OFF(public_listen), "127.0.0.1:8080",
	  0, 0, "host:port of the public listener (feeds and course pages)" },
	{ "public", "url", CT_STRING, OFF(public_url), "", 0, 0,
	  "public base URL used in links; empty: http:// and public.listen "
	  "(the host name for a wildcard address)" },
	{ "public", "max_per_address", CT_INT, OFF(public_max_per_address),
	  "64", 0, 4096, "connections at once from one address; 0 no limit" },
	{ "public", "trusted", CT_STRING, OFF(public_trusted),
	  "127.0.0.1, ::1", 0, 0, "addresses without that limit, e.g. a "
	  "cache in front (CIDR, comma-separated)" },
	{ "public", "cancel_per_minute", CT_INT,
	  OFF(public_cancel_per_minute), "20", 0, 10000, "requests a minute "
	  "one address may make of cancel links (/afmeld/...) before 429; "
	  "0 no limit; public.trusted addresses (a proxy, which limits "
	  "instead) have none" },
	{ "feeds", "refresh_minutes", CT_INT, OFF(feeds_refresh_minutes), "60",
	  5, 7 * 24 * 60, "how often calendars should fetch a feed "
	  "(REFRESH-INTERVAL, X-PUBLISHED-TTL)" },
	{ "feeds", "cache_seconds", CT_INT, OFF(feeds_cache_seconds), "300", 0,
	  86400, "how long an HTTP cache in front may keep a feed" },
	{ "feeds", "past_days", CT_INT, OFF(feeds_past_days), "30", 0, 3650,
	  "feeds show sessions that started up to this many days ago" },
	{ "feeds", "cancelled_days", CT_INT, OFF(feeds_cancelled_days), "30", 0,
	  3650, "a cancelled session stays in feeds this many days, so "
	  "calendars remove it" },
	{ "feeds", "alarm_minutes", CT_INT, OFF(feeds_alarm_minutes), "0", 0,
	  7 * 24 * 60, "reminder alarm in personal feeds this long before; "
	  "0 none" },
	{ "feeds", "recheck_seconds", CT_INT, OFF(feeds_recheck_seconds), "60",
	  1, 3600, "a cached feed looks for changes made outside kursusd "
	  "(another program writing the database) this often" },
	{ "feeds", "key_file", CT_PATH, OFF(feeds_key_file), "", 0, 0,
	  "key that seals personal feed tokens in the database; created 0600 "
	  "at start if missing; empty: " CONFIG_KEY_NAME " beside the "
	  "database" },
	{ "smtp", "host", CT_STRING, OFF(smtp_host), "", 0, 0,
	  "SMTP server for e-mail; empty: no e-mail is sent" },
	{ "smtp", "port", CT_INT, OFF(smtp_port), "25", 1, 65535,
	  "SMTP port (587 for submission)" },
	{ "smtp", "starttls", CT_CHOICE, OFF(smtp_starttls), "optional", 0, 0,
	  "off, optional or required" },
	{ "smtp", "user", CT_STRING, OFF(smtp_user), "", 0, 0,
	  "user for SMTP AUTH; empty: no AUTH" },
	{ "smtp", "password_file", CT_PATH, OFF(smtp_password_file), "", 0, 0,
	  "file holding the SMTP password (mode 0600)" },
	{ "smtp", "from", CT_STRING, OFF(smtp_from), "", 0, 0,
	  "envelope sender and From address; required with smtp.host" },
	{ "smtp", "from_name", CT_STRING, OFF(smtp_from_name), "Biblioteket",
	  0, 0, "display name in From; not set: library.name when that is "
	  "set" },
	{ "smtp", "reply_to", CT_STRING, OFF(smtp_reply_to), "", 0, 0,
	  "Reply-To address; not set: library.email; empty for none" },
	{ "smtp", "html", CT_CHOICE, OFF(smtp_html), "on", 0, 0,
	  "on or off: an HTML part beside the plain text, with the same "
	  "words in larger type" },
	{ "smtp", "timeout", CT_INT, OFF(smtp_timeout), "30", 1, 600,
	  "seconds to wait for each answer of the server" },
	{ "smtp", "connections", CT_INT, OFF(smtp_connections), "2", 1, 16,
	  "SMTP connections at most at once" },
	{ "smtp", "batch", CT_INT, OFF(smtp_batch), "50", 1, 1000,
	  "messages sent over one connection before it is closed" },
	{ "sms", "driver", CT_CHOICE, OFF(sms_driver), "none", 0, 0,
	  "none, kannel or rest" },
	{ "sms", "url", CT_STRING, OFF(sms_url), "", 0, 0,
	  "Kannel's sendsms URL or the REST gateway's endpoint" },
	{ "sms", "user", CT_STRING, OFF(sms_user), "", 0, 0,
	  "gateway user" },
	{ "sms", "password_file", CT_PATH, OFF(sms_password_file), "", 0, 0,
	  "file holding the gateway password or API key (mode 0600)" },
	{ "sms", "sender", CT_STRING, OFF(sms_sender), "Biblioteket", 0, 0,
	  "sender name (up to 11 letters) or number" },
	{ "sms", "header", CT_STRING, OFF(sms_header), "", 0, 0,
	  "rest: a request header, may hold {user} and {password}" },
	{ "sms", "body", CT_STRING, OFF(sms_body), "", 0, 0,
	  "rest: JSON body template with {to}, {from} and {text}" },
	{ "sms", "timeout", CT_INT, OFF(sms_timeout), "15", 1, 600,
	  "seconds to wait for the gateway" },
	{ "sms", "kannel_secret_file", CT_PATH, OFF(sms_kannel_secret_file),
	  "", 0, 0, "file holding the secret Kannel's sms-service puts in "
	  "its get-url to /sms/kannel (mode 0600); empty: replies from "
	  "Kannel are refused" },
	{ "sms", "webhook_secret_file", CT_PATH, OFF(sms_webhook_secret_file),
	  "", 0, 0, "file holding the key of the HMAC-SHA256 that signs the "
	  "REST gateway's POST /sms/webhook (mode 0600); empty: refused" },
	{ "reminders", "rules", CT_STRING, OFF(reminders_rules),
	  "email:2d,sms:1d@10:00", 0, 0, "when reminders go out, for course "
	  "types without their own rules" },
	{ "reminders", "quiet_hours", CT_STRING, OFF(reminders_quiet_hours),
	  "21:00-08:00", 0, 0, "no SMS in these local hours; empty for none" },
	{ "reminders", "min_gap_hours", CT_INT, OFF(reminders_min_gap_hours),
	  "12", 0, 168, "no reminder this many hours after another message "
	  "to the same person (the confirmation, say); 0 none" },
	{ "reminders", "one_a_day", CT_CHOICE, OFF(reminders_one_a_day), "on",
	  0, 0, "on or off: no reminder on a day the person gets another "
	  "message" },
	{ "library", "name", CT_STRING, OFF(library_name), "", 0, 0,
	  "the library's name, which signs every message" },
	{ "library", "phone", CT_STRING, OFF(library_phone), "", 0, 0,
	  "the library's phone number, in every message" },
	{ "library", "email", CT_STRING, OFF(library_email), "", 0, 0,
	  "the library's e-mail address, in every e-mail" },
	{ "library", "url", CT_STRING, OFF(library_url), "", 0, 0,
	  "the library's web site (http:// or https://), in every e-mail" },
	{ "library", "signature", CT_STRING, OFF(library_signature), "", 0, 0,
	  "a line above the library's name in e-mails, e.g. the course "
	  "team's name; empty for none" },
	{ "library", "header", CT_STRING, OFF(library_header), "", 0, 0,
	  "text at the top of the public pages; empty: library.name" },
	{ "library", "colour", CT_STRING, OFF(library_colour), "#1d4f7c", 0, 0,
	  "the public pages' colour, #rrggbb, dark enough for white text" },
	{ "outbox", "max_in_flight", CT_INT, OFF(outbox_max_in_flight), "1000",
	  1, 10000, "messages at most being sent at once, over all "
	  "connections" },
	{ "outbox", "retry_seconds", CT_INT, OFF(outbox_retry_seconds), "60", 1,
	  86400, "first wait after a temporary failure; doubles each time" },
	{ "outbox", "retry_max_seconds", CT_INT, OFF(outbox_retry_max_seconds),
	  "3600", 1, 86400, "longest wait between two attempts" },
	{ "outbox", "expire_hours", CT_INT, OFF(outbox_expire_hours), "24", 1,
	  24 * 30, "give a message up this long after it was due" },
	{ "outbox", "probe_seconds", CT_INT, OFF(outbox_probe_seconds), "60", 0,
	  86400, "how often to check that the SMTP server and SMS gateway "
	  "answer; 0 never" },
	{ "calendar", "holidays", CT_CHOICE, OFF(calendar_holidays),
	  "customary", 0, 0, "closed days built in: customary (the Danish "
	  "public holidays, and grundlovsdag, juleaftensdag and "
	  "nytårsaftensdag, when libraries close by custom), official (the "
	  "public holidays only) or none" },
};
const size_t config_nkeys = sizeof config_keys / sizeof config_keys[0];
