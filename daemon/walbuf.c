/*
 * The loop's log written in a few large writes per commit. SQLite writes
 * each frame of its log (-wal) with two pwrite(2)s, its 24-byte header
 * and its page, and a registration's commit is ~9 frames: about 18 system
 * calls each, 16 % of the loop's time in bench/registrations. This VFS
 * ("kursusd-wal", over the default one) gathers a log's writes while they
 * follow one another, writes them 64 KiB at a time, and writes the rest
 * with the commit frame's page, so a failed write is still the commit's
 * error.
 *
 * A frame is only seen by another connection once the wal-index says it is
 * there, and the writer touches that index (the database file's xShm*
 * methods) only after the frames are written; the gathered writes are also
 * written before any other call on the log (a read, its size, a sync) or
 * on its database, so every connection, ours or another's, reads what
 * SQLite wrote. A write that does not follow on is gathered anew once what
 * came before it is written. What a crash of kursusd loses is a
 * transaction that had not committed: the commit frame is the last write.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kursusd.h"

/*
 * What is gathered at most, written in one call when the next write would
 * not fit. More would save no system call: the default VFS's unixWrite()
 * writes at most a length's low 17 bits a pwrite(2) (a length of exactly
 * 128 KiB comes back as "disk full"), and the buffer stays this small in
 * kursusd's memory. A registration's commit (~47 frames, 193 KB) is
 * three or four writes.
 */
#define WALBUF_SIZE	(64 * 1024)
#define WALBUF_HEADER	32		/* the log's own header */
#define WALBUF_FRAME	24		/* a frame's header */

struct walbuf_file {
	sqlite3_file		 base;
	sqlite3_file		*real;	/* the default VFS's file, after us */
	struct walbuf_file	*wal;	/* a database's log, when open */
	struct walbuf_file	*db;	/* a log's database */
	unsigned char		*buf;	/* a log's gathered writes */
	size_t			 len;
	sqlite3_int64		 off;	/* where buf goes */
	sqlite3_int64		 page;	/* where the commit frame's page
					   goes, when next; or 0 */
};

static sqlite3_vfs	*walbuf_real;

/* Writes what a log has gathered. SQLite's result code. */
static int
walbuf_flush(struct walbuf_file *f)
{
	int	 rc;

	if (f->len == 0)
		return (SQLITE_OK);
	rc = f->real->pMethods->xWrite(f->real, f->buf, (int)f->len, f->off);
	f->len = 0;
	return (rc);
}

/*
 * Before any other call on a database or its log, which may read or
 * publish what the log holds: the log's gathered writes go out first, and
 * a failure is that call's (but see walbuf_shm_barrier()).
 */
static int
walbuf_before(struct walbuf_file *f)
{
	struct walbuf_file	*log = f->wal != NULL ? f->wal : f;

	if (log->buf == NULL)
		return (SQLITE_OK);
	return (walbuf_flush(log));
}

static int
walbuf_close(sqlite3_file *p)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;
	int			 rc, rc2;

	rc = walbuf_before(f);
	if (f->db != NULL)
		f->db->wal = NULL;
	if (f->wal != NULL)
		f->wal->db = NULL;
	free(f->buf);
	rc2 = f->real->pMethods->xClose(f->real);
	return (rc != SQLITE_OK ? rc : rc2);
}

static int
walbuf_read(sqlite3_file *p, void *buf, int n, sqlite3_int64 off)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;
	int			 rc;

	if ((rc = walbuf_before(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xRead(f->real, buf, n, off));
}

/*
 * Whether a write is a frame's header, or a frame whole, that ends a
 * transaction: a header's bytes 4-7 hold the database's size after the
 * commit, 0 in any other frame. SQLite 3.40 writes the header and the
 * page apart (walWriteOneFrame()); the page is then the next write.
 */
static int
walbuf_commit_frame(const unsigned char *d, int n, sqlite3_int64 off)
{
	int	 page = n - WALBUF_FRAME;

	if (off < WALBUF_HEADER || (n != WALBUF_FRAME &&
	    (page < 512 || page > 65536 || (page & (page - 1)) != 0)))
		return (0);
	return ((d[4] | d[5] | d[6] | d[7]) != 0);
}

static int
walbuf_write(sqlite3_file *p, const void *data, int n, sqlite3_int64 off)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;
	sqlite3_int64		 page = f->page;
	int			 rc, commit, follows;

	if (f->buf == NULL) {
		if ((rc = walbuf_before(f)) != SQLITE_OK)
			return (rc);
		return (f->real->pMethods->xWrite(f->real, data, n, off));
	}
	commit = walbuf_commit_frame(data, n, off);
	f->page = commit && n == WALBUF_FRAME ? off + n : 0;
	follows = f->len != 0 && off == f->off + (sqlite3_int64)f->len;
	if (f->len != 0 && (!follows || f->len + (size_t)n > WALBUF_SIZE) &&
	    (rc = walbuf_flush(f)) != SQLITE_OK)
		return (rc);
	/*
	 * A commit frame's header that follows nothing gathered is written
	 * at once. SQLite writes one so when it writes the headers of a
	 * transaction's frames again with new checksums, after a page was
	 * written twice (walRewriteChecksums()): the commit frame's comes
	 * last, and no page after it. Gathered, it would wait for the
	 * wal-index's barrier, where the commit is published whether or not
	 * it can be written. Else it is a commit's only frame, or the first
	 * after the log's header was synced or after a frame written over,
	 * and its page goes on its own.
	 */
	if ((size_t)n > WALBUF_SIZE || (f->page != 0 && !follows))
		return (f->real->pMethods->xWrite(f->real, data, n, off));
	if (f->len == 0)
		f->off = off;
	memcpy(f->buf + f->len, data, n);
	f->len += n;
	if (off == page || (commit && n != WALBUF_FRAME))
		return (walbuf_flush(f));
	return (SQLITE_OK);
}

static int
walbuf_truncate(sqlite3_file *p, sqlite3_int64 size)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;
	int			 rc;

	if ((rc = walbuf_before(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xTruncate(f->real, size));
}

static int
walbuf_sync(sqlite3_file *p, int flags)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;
	int			 rc;

	if ((rc = walbuf_before(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xSync(f->real, flags));
}

static int
walbuf_size(sqlite3_file *p, sqlite3_int64 *size)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;
	int			 rc;

	if ((rc = walbuf_before(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xFileSize(f->real, size));
}

static int
walbuf_lock(sqlite3_file *p, int lock)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;
	int			 rc;

	if ((rc = walbuf_before(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xLock(f->real, lock));
}

/*
 * An unlock goes through even when the gathered writes before it fail: a
 * lock kept would stop every other connection's writes for good (SQLite
 * does not even look at what the wal-index's unlock returns). The
 * failure is still returned.
 */
static int
walbuf_unlock(sqlite3_file *p, int lock)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;
	int			 rc, rc2;

	rc = walbuf_before(f);
	rc2 = f->real->pMethods->xUnlock(f->real, lock);
	return (rc != SQLITE_OK ? rc : rc2);
}

static int
walbuf_reserved(sqlite3_file *p, int *out)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;

	return (f->real->pMethods->xCheckReservedLock(f->real, out));
}

static int
walbuf_control(sqlite3_file *p, int op, void *arg)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;
	int			 rc;

	if ((rc = walbuf_before(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xFileControl(f->real, op, arg));
}

static int
walbuf_sector(sqlite3_file *p)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;

	return (f->real->pMethods->xSectorSize(f->real));
}

static int
walbuf_device(sqlite3_file *p)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;

	return (f->real->pMethods->xDeviceCharacteristics(f->real));
}

static int
walbuf_shm_map(sqlite3_file *p, int page, int size, int extend,
    void volatile **out)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;
	int			 rc;

	if ((rc = walbuf_before(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xShmMap(f->real, page, size, extend, out));
}

static int
walbuf_shm_lock(sqlite3_file *p, int offset, int n, int flags)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;
	int			 rc, rc2;

	/* As walbuf_unlock(): the log's write lock is let go all the same. */
	if ((rc = walbuf_before(f)) != SQLITE_OK &&
	    (flags & SQLITE_SHM_UNLOCK) == 0)
		return (rc);
	rc2 = f->real->pMethods->xShmLock(f->real, offset, n, flags);
	return (rc != SQLITE_OK ? rc : rc2);
}

/*
 * SQLite publishes a commit here (walIndexWriteHdr(): the wal-index
 * header's second copy, this barrier, then its first copy), and a barrier
 * cannot fail. Nothing is gathered by then: a commit's last write is its
 * commit frame's page or header, written at once (walbuf_write()). Were
 * something left that could not be written, going on would publish, and
 * answer, a commit whose frames are not in the log, for other connections
 * to read and to copy into the database. Stopping before the first copy
 * is written leaves the two copies unequal, so the next connection
 * rebuilds the wal-index from the log on disk (walIndexRecover()), as
 * after a crash: the commit is lost, and nobody was told it was saved.
 */
static void
walbuf_shm_barrier(sqlite3_file *p)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;
	int			 rc;

	if ((rc = walbuf_before(f)) != SQLITE_OK)
		fatalx("the database's log could not be written before a "
		    "commit was published: %s", sqlite3_errstr(rc));
	f->real->pMethods->xShmBarrier(f->real);
}

static int
walbuf_shm_unmap(sqlite3_file *p, int delete)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;
	int			 rc;

	if ((rc = walbuf_before(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xShmUnmap(f->real, delete));
}

static int
walbuf_fetch(sqlite3_file *p, sqlite3_int64 off, int n, void **out)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;
	int			 rc;

	if ((rc = walbuf_before(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xFetch(f->real, off, n, out));
}

static int
walbuf_unfetch(sqlite3_file *p, sqlite3_int64 off, void *page)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;

	return (f->real->pMethods->xUnfetch(f->real, off, page));
}

static const sqlite3_io_methods walbuf_methods = {
	3,
	walbuf_close,
	walbuf_read,
	walbuf_write,
	walbuf_truncate,
	walbuf_sync,
	walbuf_size,
	walbuf_lock,
	walbuf_unlock,
	walbuf_reserved,
	walbuf_control,
	walbuf_sector,
	walbuf_device,
	walbuf_shm_map,
	walbuf_shm_lock,
	walbuf_shm_barrier,
	walbuf_shm_unmap,
	walbuf_fetch,
	walbuf_unfetch,
};

static int
walbuf_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p,
    int flags, int *out)
{
	struct walbuf_file	*f = (struct walbuf_file *)p;
	sqlite3_file		*db;
	int			 rc;

	(void)vfs;
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)(f + 1);
	if ((rc = walbuf_real->xOpen(walbuf_real, name, f->real, flags,
	    out)) != SQLITE_OK) {
		/* SQLite calls xClose after a failed xOpen that set it. */
		if (f->real->pMethods != NULL)
			p->pMethods = &walbuf_methods;
		return (rc);
	}
	/*
	 * Gathered only where a write spoils no other bytes of its sectors
	 * (SQLITE_IOCAP_POWERSAFE_OVERWRITE, the default VFS's default; not
	 * with psow=0). Else SQLite pads each commit with copies of its
	 * commit frame up to a sector and syncs the log in the middle of
	 * one (sqlite3WalFrames(), walWriteToLog(); sqlite3WalOpen() reads
	 * the database file's flag as here), so the commit's last write
	 * would come after the commit frame's page and wait for the
	 * wal-index's barrier.
	 */
	if ((flags & SQLITE_OPEN_WAL) && name != NULL &&
	    (db = sqlite3_database_file_object(name)) != NULL &&
	    db->pMethods == &walbuf_methods &&
	    (db->pMethods->xDeviceCharacteristics(db) &
	    SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0) {
		f->buf = xmalloc(WALBUF_SIZE);
		f->db = (struct walbuf_file *)db;
		f->db->wal = f;
	}
	p->pMethods = &walbuf_methods;
	return (SQLITE_OK);
}

static int
walbuf_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	(void)vfs;
	return (walbuf_real->xDelete(walbuf_real, name, sync));
}

static int
walbuf_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return (walbuf_real->xAccess(walbuf_real, name, flags, out));
}

static int
walbuf_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return (walbuf_real->xFullPathname(walbuf_real, name, n, out));
}

static int
walbuf_random(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return (walbuf_real->xRandomness(walbuf_real, n, out));
}

static int
walbuf_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return (walbuf_real->xSleep(walbuf_real, us));
}

static int
walbuf_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return (walbuf_real->xCurrentTime(walbuf_real, out));
}

static int
walbuf_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return (walbuf_real->xGetLastError(walbuf_real, n, out));
}

static int
walbuf_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return (walbuf_real->xCurrentTimeInt64(walbuf_real, out));
}

/* Loadable extensions: kursusd loads none, but a VFS has them all. */
static void *
walbuf_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return (walbuf_real->xDlOpen(walbuf_real, name));
}

static void
walbuf_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	walbuf_real->xDlError(walbuf_real, n, out);
}

static void
(*walbuf_dlsym(sqlite3_vfs *vfs, void *lib, const char *name))(void)
{
	(void)vfs;
	return (walbuf_real->xDlSym(walbuf_real, lib, name));
}

static void
walbuf_dlclose(sqlite3_vfs *vfs, void *lib)
{
	(void)vfs;
	walbuf_real->xDlClose(walbuf_real, lib);
}

static sqlite3_vfs walbuf_vfs = {
	.iVersion = 2,
	.zName = WALBUF_VFS,
	.xOpen = walbuf_open,
	.xDelete = walbuf_delete,
	.xAccess = walbuf_access,
	.xFullPathname = walbuf_fullpath,
	.xDlOpen = walbuf_dlopen,
	.xDlError = walbuf_dlerror,
	.xDlSym = walbuf_dlsym,
	.xDlClose = walbuf_dlclose,
	.xRandomness = walbuf_random,
	.xSleep = walbuf_sleep,
	.xCurrentTime = walbuf_time,
	.xGetLastError = walbuf_error,
	.xCurrentTimeInt64 = walbuf_time64,
};

static void
walbuf_once(void)
{
	if ((walbuf_real = sqlite3_vfs_find(NULL)) == NULL)
		return;
	walbuf_vfs.szOsFile = (int)sizeof(struct walbuf_file) +
	    walbuf_real->szOsFile;
	walbuf_vfs.mxPathname = walbuf_real->mxPathname;
	if (sqlite3_vfs_register(&walbuf_vfs, 0) != SQLITE_OK)
		walbuf_real = NULL;
}

/* Registers the VFS, once, from any thread. SQLite's result code. */
int
walbuf_register(void)
{
	static pthread_once_t	 once = PTHREAD_ONCE_INIT;

	pthread_once(&once, walbuf_once);
	return (walbuf_real != NULL ? SQLITE_OK : SQLITE_ERROR);
}
