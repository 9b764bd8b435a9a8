/*
 * kursusd: start-up, configuration, signals and the event loop.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "calendars.h"
#include "kursusd.h"
#include "service.h"
#include "server.h"
#include "citizen.h"

/*
 * The size of a background batch (the sweeps, the search index), fitted
 * to how long the last one held the loop, commit included: halved when it
 * took more than PACE_MS, grown by half when it took less than half of
 * that; from 1 to max rows. A batch that found its rows on a cold cache
 * or waited for the disk makes the next one smaller, so a request never
 * waits long behind one (issue 9: no more than 20 ms at a time).
 */
#define PACE_MS		4
struct pace {
	int		 batch, max;
	struct timespec	 t0;
};

struct kursusd {
	struct event_base	*base;
	struct config		*conf;
	struct store		*store;
	struct http		*http;
	struct feeds		*feeds;
	struct sender		*sender;
	struct outbox_conf	*outbox;	/* the store carries it */
	char			*conf_file;
	char			**overrides;
	size_t			 noverrides;
	int			 verbose;
	int			 foreground;
	int			 stopping;
	struct event		*sweep;
	struct pace		 links_pace, retention_pace;
	int64_t			 links_made;	/* by this run of the sweep */
	int64_t			 links_at[2];	/* its place: start, session */
	int			 links_done;
	int64_t			 retention_at[2]; /* the retention sweep's */
	struct event		*words;		/* person_index() batches */
	struct pace		 words_pace;
	int			 words_started;
};

static void
pace_init(struct pace *p, int max)
{
	p->max = max;
	p->batch = max < 50 ? max : 50;
}

/* The size of the batch about to run. */
static int
pace_begin(struct pace *p)
{
	clock_gettime(CLOCK_MONOTONIC, &p->t0);
	return (p->batch);
}

/* The batch is done: the next one's size follows its time. */
static void
pace_end(struct pace *p)
{
	struct timespec	 t1;
	double		 ms;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - p->t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - p->t0.tv_nsec) / 1e6;
	if (ms > PACE_MS)
		p->batch = p->batch > 1 ? p->batch / 2 : 1;
	else if (ms < PACE_MS / 2.0 && p->batch < p->max) {
		p->batch += p->batch / 2 + 1;
		if (p->batch > p->max)
			p->batch = p->max;
	}
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: kursusd [-fnv] [-c file] [-d path] "
	    "[-o section.key=value]... [--create] [--version] [--help]\n"
	    "  -c file   configuration file (default %s if it exists)\n"
	    "  -d path   database file (same as -o daemon.database=path)\n"
	    "  --create  make a new database even where traces of an old one "
	    "are\n"
	    "  -f        stay in the foreground, log to stderr (the time on "
	    "each line\n"
	    "            on a terminal, the priority when it is the journal)\n"
	    "  -n        check the configuration and exit\n"
	    "  -o k=v    set a configuration key\n"
	    "  -v        more logging (repeat for debug)\n"
	    "configuration keys:\n", KURSUS_CONF_PATH);
	config_print_keys(f);
}

static int
kursusd_load(struct kursusd *kd, struct config **out, char **cause)
{
	const char	*file = kd->conf_file;

	if (file == NULL && access(KURSUS_CONF_PATH, F_OK) == 0)
		file = KURSUS_CONF_PATH;
	return (config_load(file, kd->overrides, kd->noverrides, out, cause));
}

static int
kursusd_level(struct kursusd *kd, const struct config *conf)
{
	int	 level = conf->log_level + kd->verbose;

	return (level > LOG_LEVEL_DEBUG ? LOG_LEVEL_DEBUG : level);
}

static void
kursusd_drained(void *arg)
{
	struct kursusd	*kd = arg;

	event_base_loopexit(kd->base, NULL);
}

static void
kursusd_apply(struct kursusd *kd)
{
	struct outbox_conf	*old;
	char			*cause = NULL;
	int			 level = kursusd_level(kd, kd->conf);

	log_set_level(level);
	if (level == LOG_LEVEL_DEBUG)
		log_info("debug logging is on: the log may hold names, phone "
		    "numbers, e-mail addresses and message texts");
	store_set_go_no_go_hours(kd->store, kd->conf->go_no_go_hours);
	store_set_holidays(kd->store, kd->conf->calendar_holidays);
	store_set_default_timezone(kd->store, kd->conf->timezone);
	old = kd->outbox;
	kd->outbox = outbox_conf_new(kd->conf);
	store_set_outbox(kd->store, kd->outbox);
	outbox_conf_free(old);
	if (kd->feeds != NULL)
		feeds_configure(kd->feeds, kd->conf);
	if (kd->http != NULL)
		http_configure(kd->http, kd->conf);
	if (kd->sender != NULL && sender_configure(kd->sender, kd->conf,
	    &cause) != 0) {
		log_warnx("keeping the old e-mail and SMS settings: %s", cause);
		free(cause);
	}
}

static void
kursusd_reload(struct kursusd *kd)
{
	struct config	*conf, *old = kd->conf;
	char		*cause = NULL;

	log_reopen();
	if (kursusd_load(kd, &conf, &cause) != 0) {
		log_warnx("SIGHUP: keeping the old configuration: %s", cause);
		free(cause);
		return;
	}
	if (strcmp(conf->database, old->database) != 0 ||
	    strcmp(conf->admin_socket, old->admin_socket) != 0 ||
	    strcmp(conf->admin_listen, old->admin_listen) != 0 ||
	    strcmp(conf->public_listen, old->public_listen) != 0 ||
	    strcmp(conf->daemon_user, old->daemon_user) != 0 ||
	    strcmp(conf->daemon_group, old->daemon_group) != 0 ||
	    conf->synchronous != old->synchronous)
		log_warnx("SIGHUP: database, listeners, user, group and "
		    "synchronous take effect at the next start");
	kd->conf = conf;
	config_free(old);
	kursusd_apply(kd);
	log_info("configuration reloaded");
}

static void
kursusd_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct kursusd	*kd = arg;

	switch (sig) {
	case SIGHUP:
		notify_reloading();
		kursusd_reload(kd);
		notify_send("READY=1");
		break;
	case SIGTERM:
	case SIGINT:
		/* A second signal while draining means: stop now. */
		if (kd->stopping) {
			log_info("%s again: stopping now", sig == SIGTERM ?
			    "SIGTERM" : "SIGINT");
			event_base_loopexit(kd->base, NULL);
			break;
		}
		kd->stopping = 1;
		notify_send("STOPPING=1\nSTATUS=Stopping: finishing the "
		    "requests in flight");
		log_info("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		http_drain(kd->http, kursusd_drained, kd);
		break;
	}
}

/*
 * The sweeps, a batch a turn of the loop, each batch as large as fits in
 * a few milliseconds (struct pace): cancel links for the registrations
 * still without one, then the retention sweep; again in six hours.
 */
#define KURSUSD_SWEEP_BATCH	200
#define KURSUSD_PAUSE_MS	10	/* while a job copies the log */

static void
kursusd_sweep(evutil_socket_t fd, short ev, void *arg)
{
	struct kursusd	*kd = arg;
	struct fail	 f;
	struct timeval	 tv = { 6 * 3600, 0 };
	int		 n, batch;

	/* Its own transactions, not waiting for the disk on the loop. */
	if (http_background_begin(kd->http) != 0) {
		tv.tv_sec = 0;
		tv.tv_usec = KURSUSD_PAUSE_MS * 1000;
		evtimer_add(kd->sweep, &tv);
		return;
	}
	if (!kd->links_done) {
		batch = pace_begin(&kd->links_pace);
		if ((n = cancel_tokens_fill(kd->store, batch, kd->links_at,
		    &f)) < 0)
			log_warnx("cancel links: %s", f.msg);
		else
			kd->links_made += n;
		pace_end(&kd->links_pace);
		if (n == batch) {
			http_background_end(kd->http);
			tv.tv_sec = 0;
			evtimer_add(kd->sweep, &tv);
			return;
		}
		if (kd->links_made > 0)
			log_info("made cancel links for %lld registration%s",
			    (long long)kd->links_made,
			    kd->links_made == 1 ? "" : "s");
		kd->links_done = 1;
		kd->links_made = 0;
		kd->links_at[0] = kd->links_at[1] = 0;
	}
	batch = pace_begin(&kd->retention_pace);
	n = stats_retention_sweep(kd->store, kd->conf->retention_days,
	    batch, kd->retention_at, &f);
	pace_end(&kd->retention_pace);
	http_background_end(kd->http);
	if (n < 0) {
		log_warnx("retention sweep: %s; again in a minute", f.msg);
		tv.tv_sec = 60;
	} else if (n == batch)
		tv.tv_sec = 0;		/* more, on the next turn */
	if (tv.tv_sec != 0)
		kd->links_done = 0;	/* the next sweep starts with links */
	evtimer_add(kd->sweep, &tv);
}

/* Participants' search words written without kursusd (at the start, or
 * armed by person_words_batch()), a batch a turn. */
#define KURSUSD_WORDS_BATCH	2000

static void
kursusd_words(evutil_socket_t fd, short ev, void *arg)
{
	struct kursusd	*kd = arg;
	struct fail	 f;
	struct timeval	 tv = { 0, 0 };
	int		 more;

	/* The last registrations' few wait for more (person_words_batch()). */
	if (!kd->words_started && !person_index_due(kd->store))
		return;
	/* A batch is its own transaction, not waiting for the disk. */
	if (http_background_begin(kd->http) != 0) {
		tv.tv_usec = KURSUSD_PAUSE_MS * 1000;
		evtimer_add(kd->words, &tv);
		return;
	}
	more = person_index(kd->store, pace_begin(&kd->words_pace), &f);
	pace_end(&kd->words_pace);
	http_background_end(kd->http);
	if (more < 0) {
		log_warnx("search index: %s; again in a minute", f.msg);
		tv.tv_sec = 60;
	} else if (more == 0) {
		if (kd->words_started)
			log_info("search index: every participant indexed");
		kd->words_started = 0;
		return;
	} else if (!kd->words_started) {
		/* Counted once for the log; the turns ask only "any left?". */
		log_info("search index: %lld participants left to index",
		    (long long)person_unindexed(kd->store));
		kd->words_started = 1;
	}
	evtimer_add(kd->words, &tv);
}

static void
kursusd_daemonise(void)
{
	pid_t	 pid;
	int	 fd;

	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid != 0)
		_exit(0);
	if (setsid() == -1)
		fatal("setsid");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid != 0)
		_exit(0);
	if (chdir("/") != 0)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "create", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	struct kursusd	 kd;
	struct service	 svc;
	struct api_ctx	 ctx;
	struct event	*sigs[3];
	struct event_config *evcfg;
	int		 signos[3] = { SIGTERM, SIGINT, SIGHUP };
	int		 ch, check = 0, create = 0, i, status = 0, lockfd = -1;
	char		*cause = NULL, *err = NULL, *db = NULL, *cwd;
	char		*conf_abs = NULL;
	struct timeval	 now = { 0, 0 };

	memset(&kd, 0, sizeof kd);
	memset(&svc, 0, sizeof svc);
	memset(&ctx, 0, sizeof ctx);
	svc.admin_fd = svc.tcp_fd = svc.public_fd = -1;
	log_init("kursusd", 0, LOG_LEVEL_INFO);
	/*
	 * Before SQLite is used: no memory statistics, which kursusd never
	 * reads, and which put every sqlite3_malloc() and free of every
	 * thread under one process-wide mutex: the loop waited up to 28 ms
	 * for an import's worker holding it, and the render threads spent
	 * more time waiting for it than reading (issue 9).
	 */
	if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
		log_debug("sqlite3_config: memory statistics stay on");
	memory_sqlite();
	while ((ch = getopt_long(argc, argv, "c:d:fno:v", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			kd.conf_file = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'f':
			kd.foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'o':
			kd.overrides = xreallocarray(kd.overrides,
			    kd.noverrides + 1, sizeof *kd.overrides);
			kd.overrides[kd.noverrides++] = optarg;
			break;
		case 'v':
			kd.verbose++;
			break;
		case 'C':
			create = 1;
			break;
		case 'V':
			printf("kursusd %s (API %d)\n", PACKAGE_VERSION,
			    KURSUS_API_VERSION);
			return (0);
		case 'h':
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (EX_USAGE);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kursusd: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(stderr);
		return (EX_USAGE);
	}
	if (db != NULL) {
		kd.overrides = xreallocarray(kd.overrides, kd.noverrides + 1,
		    sizeof *kd.overrides);
		kd.overrides[kd.noverrides++] = xprintf("daemon.database=%s",
		    db);
	}
	/* SIGHUP reads it again from wherever the daemon then is. */
	if (kd.conf_file != NULL && *kd.conf_file != '/' &&
	    (cwd = getcwd(NULL, 0)) != NULL) {
		kd.conf_file = conf_abs = xprintf("%s/%s", cwd, kd.conf_file);
		free(cwd);
	}
	if (kd.foreground && !check)
		log_foreground();
	if (kursusd_load(&kd, &kd.conf, &cause) != 0) {
		fprintf(stderr, "kursusd: %s\n", cause);
		free(cause);
		status = EX_CONFIG;
		goto done;
	}
	if (check) {
		if (service_check(kd.conf, &cause) != 0) {
			fprintf(stderr, "kursusd: %s\n", cause);
			free(cause);
			status = EX_CONFIG;
		} else
			printf("configuration OK\n");
		config_free(kd.conf);
		goto done;
	}

	log_init("kursusd", !kd.foreground, kursusd_level(&kd, kd.conf));
	notify_init();
	/* What kursusd creates holds personal data: no one else reads it. */
	umask(077);
	/* As root: what needs root, then the drop (service.c). */
	if (service_user(kd.conf, &svc, &cause) != 0 ||
	    service_tls(&svc, kd.conf, &cause) != 0) {
		status = EX_CONFIG;
		goto out;
	}
	if (service_dirs(&svc, kd.conf, &cause) != 0) {
		status = EX_CANTCREAT;
		goto out;
	}
	if ((lockfd = store_lock(kd.conf->database, create, &cause)) == -1) {
		status = EX_TEMPFAIL;
		goto out;
	}
	if (service_own(&svc, lockfd, "the lock file", &cause) != 0) {
		status = EX_CANTCREAT;
		goto out;
	}
	/* Before detaching: a socket it cannot have is said on the terminal. */
	if (service_listen(&svc, kd.conf, &cause) != 0) {
		status = EX_UNAVAILABLE;
		goto out;
	}
	if (!kd.foreground) {
		kursusd_daemonise();
		store_lock_pid(lockfd);
	}
	if (service_drop(&svc, &cause) != 0) {
		status = EX_NOPERM;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);

	if (store_open(kd.conf->database, kd.conf->synchronous, &kd.store,
	    &cause) != 0) {
		status = EX_UNAVAILABLE;
		goto out;
	}
	/* Made now, not at the first personal link: a 500 then says less. */
	if (token_init(kd.conf->feeds_key_file, &err) != 0) {
		xasprintf(&cause, "feeds.key_file: %s", err);
		free(err);
		status = EX_CANTCREAT;
		goto out;
	}
	kursusd_apply(&kd);
	/*
	 * The epoll changelist folds the enable/disable of a connection's
	 * events within one turn into one epoll_ctl: evhttp does both for
	 * every answer.
	 */
	if ((evcfg = event_config_new()) == NULL ||
	    event_config_set_flag(evcfg,
	    EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) != 0 ||
	    (kd.base = event_base_new_with_config(evcfg)) == NULL ||
	    event_base_priority_init(kd.base, HTTP_PRIORITIES) != 0)
		fatalx("event_base_new failed");
	event_config_free(evcfg);
	memory_init(kd.base);
	kd.feeds = feeds_new(kd.store, kd.conf);
	if ((kd.sender = sender_start(kd.base, kd.conf->database, kd.conf,
	    &cause)) == NULL) {
		status = EX_CONFIG;
		goto out;
	}
	ctx.store = kd.store;
	ctx.feeds = kd.feeds;
	ctx.sender = kd.sender;
	if ((kd.http = http_start(kd.base, &ctx, kd.conf, &svc,
	    &cause)) == NULL) {
		status = EX_UNAVAILABLE;
		goto out;
	}
	if (service_pidfile(kd.conf->pidfile, &cause) != 0) {
		status = EX_CANTCREAT;
		goto out;
	}
	for (i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(kd.base, signos[i], kursusd_signal, &kd);
		evsignal_add(sigs[i], NULL);
	}
	pace_init(&kd.links_pace, KURSUSD_SWEEP_BATCH);
	pace_init(&kd.retention_pace, KURSUSD_SWEEP_BATCH);
	pace_init(&kd.words_pace, KURSUSD_WORDS_BATCH);
	/*
	 * The batches wait for a turn with no request ready, at the group
	 * commit's priority, the lowest.
	 */
	kd.sweep = evtimer_new(kd.base, kursusd_sweep, &kd);
	event_priority_set(kd.sweep, HTTP_PRIORITIES - 1);
	evtimer_add(kd.sweep, &now);
	kd.words = evtimer_new(kd.base, kursusd_words, &kd);
	event_priority_set(kd.words, HTTP_PRIORITIES - 1);
	evtimer_add(kd.words, &now);
	person_words_catchup(kd.words);

	stats_set_started(PACKAGE_VERSION, time(NULL));
	log_info("kursusd %s started; database %s (schema %d)",
	    PACKAGE_VERSION, kd.conf->database,
	    store_schema_version(kd.store));
	/* Both doors listen and the database is open: ready (notify.c). */
	notify_send("READY=1\nSTATUS=Serving; database %s",
	    kd.conf->database);
	event_base_dispatch(kd.base);

	/*
	 * Shutting down already: a late signal must not cut the clean-up.
	 * Freeing a signal event puts back the disposition from before it
	 * (the default, which kills), so ignoring comes after.
	 */
	for (i = 0; i < 3; i++)
		event_free(sigs[i]);
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	event_free(kd.sweep);
	person_words_catchup(NULL);
	event_free(kd.words);
	if (*kd.conf->pidfile != '\0')
		unlink(kd.conf->pidfile);
	status = 0;

out:
	/* Also what a failed start had made, so nothing is left behind. */
	if (cause != NULL) {
		log_warnx("%s", cause);
		free(cause);
	}
	if (kd.http != NULL)
		http_free(kd.http);
	sender_stop(kd.sender);
	if (kd.feeds != NULL)
		feeds_free(kd.feeds);
	if (kd.store != NULL)
		store_close(kd.store);
	service_close(&svc);
	outbox_conf_free(kd.outbox);
	if (status == 0)
		log_info("stopped");
	config_free(kd.conf);
	if (lockfd != -1)
		close(lockfd);
	memory_free();
	if (kd.base != NULL)
		event_base_free(kd.base);
	zone_cleanup();
done:
	if (db != NULL)
		free(kd.overrides[kd.noverrides - 1]);
	free(kd.overrides);
	free(conf_abs);
	return (status);
}
