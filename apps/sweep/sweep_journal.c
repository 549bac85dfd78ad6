/* bwflow sweep: the journal of finished tasks (docs/sweep.md).
 *
 * DIR/sweep-NAME.journal is a text file of lines, each ending with " *XXXXXXXX", the FNV-1a
 * checksum of what precedes it. Line 1 is the header (the hash of the spec, of its problem
 * files and of the version); then one record per finished task, appended by the
 * coordinator as results arrive (one write of the records at hand, then fsync). A crash
 * can only leave the last line torn: on --resume it is detected (no newline, or a wrong
 * checksum) and cut off, and its task runs again. Doubles are written in the shortest form
 * that reads back to the same double (cli_num) and read back with strtod: the same bits. The journal is locked (flock) while a
 * run uses it, and removed once the sweep's files are written.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sweep.h"

enum { LINE_MAX_LEN = 8192 };
static const char magic[] = "bwflow-sweep-journal 1";

static uint32_t checksum(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

/* Append printf output to buf at *k (bounded). */
static void put(char *buf, size_t n, size_t *k, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t n, size_t *k, const char *fmt, ...) {
  if (*k >= n) return;
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf(buf + *k, n - *k, fmt, ap);
  va_end(ap);
  *k = r < 0 ? n : *k + (size_t)r;
}

/* Seal a line: " *XXXXXXXX" after its content. */
static void seal(char *buf, size_t n, size_t *k) {
  if (*k < n) put(buf, n, k, " *%08x", (unsigned)checksum(buf, *k));
}

void sweep_record_format(const sweep_result *r, char *buf, size_t n) {
  size_t k = 0;
  if (r->kind == SWEEP_PLAN) {
    const bw_order_defaults *d = &r->def;
    put(buf, n, &k, "P %d %d %s %s %d %d %s %s %s %s %s %d %s %d %s %d", r->p, r->rank, CLI_NUM(r->wall),
        CLI_NUM(r->cpu), r->status, r->dim, r->system, r->name, CLI_NUM(d->t), CLI_NUM(d->rate_slow),
        CLI_NUM(d->rate_fast), d->t_capped, CLI_NUM(d->eta_safe), (int)d->bound, CLI_NUM(d->eta_max), d->n);
    for (int i = 0; i < d->n && i < BW_ORDER_MAX_ETAS; i++) put(buf, n, &k, " %s", CLI_NUM(d->etas[i]));
  } else {
    const bw_order_point *pt = &r->pt;
    put(buf, n, &k, "E %d %d %d %s %s %s %ld %u", r->p, r->j, r->rank, CLI_NUM(r->wall), CLI_NUM(r->cpu),
        CLI_NUM(pt->eta), pt->steps, pt->mask);
    for (int e = 0; e < BW_ORDER_NERR; e++)
      put(buf, n, &k, " %d %s %s %s", (int)pt->status[e], CLI_NUM(pt->err[e]), CLI_NUM(pt->fail_time[e]),
          CLI_NUM(pt->fail_value[e]));
  }
  seal(buf, n, &k);
}

/* Tokens of a record line. */
typedef struct {
  const char *s;
  bool ok;
} scan;

static const char *token(scan *sc, size_t *len) {
  while (*sc->s == ' ') sc->s++;
  const char *t = sc->s;
  while (*sc->s && *sc->s != ' ') sc->s++;
  *len = (size_t)(sc->s - t);
  if (!*len) sc->ok = false;
  return t;
}

static double num(scan *sc) {
  size_t len;
  const char *t = token(sc, &len);
  char *end;
  double x = sc->ok ? strtod(t, &end) : NAN;
  if (!sc->ok || end != t + len) sc->ok = false;
  return x;
}

static long integer(scan *sc) {
  size_t len;
  const char *t = token(sc, &len);
  char *end;
  long x = sc->ok ? strtol(t, &end, 10) : 0;
  if (!sc->ok || end != t + len) sc->ok = false;
  return x;
}

static void word(scan *sc, char *buf, size_t n) {
  size_t len;
  const char *t = token(sc, &len);
  if (!sc->ok || len >= n) {
    sc->ok = false;
    return;
  }
  memcpy(buf, t, len);
  buf[len] = '\0';
}

/* A line's content without its seal, or NULL when the seal is missing or wrong. */
static bool sealed(const char *line, size_t *len) {
  const char *star = strrchr(line, '*');
  if (!star || star == line || star[-1] != ' ' || strlen(star + 1) != 8) return false;
  char *end;
  unsigned long c = strtoul(star + 1, &end, 16);
  if (*end) return false;
  *len = (size_t)(star - 1 - line);
  return c == checksum(line, *len);
}

bool sweep_record_parse(const char *line, sweep_result *r) {
  size_t len;
  if (!sealed(line, &len) || len >= LINE_MAX_LEN) return false;
  char body[LINE_MAX_LEN];
  memcpy(body, line, len);
  body[len] = '\0';
  sweep_result x;
  memset(&x, 0, sizeof x);
  scan sc = {body + 1, true};
  if (body[0] == 'P') {
    bw_order_defaults *d = &x.def;
    x.kind = SWEEP_PLAN;
    x.j = -1;
    x.p = (int32_t)integer(&sc);
    x.rank = (int32_t)integer(&sc);
    x.wall = num(&sc);
    x.cpu = num(&sc);
    x.status = (int32_t)integer(&sc);
    x.dim = (int32_t)integer(&sc);
    word(&sc, x.system, sizeof x.system);
    word(&sc, x.name, sizeof x.name);
    d->t = num(&sc);
    d->rate_slow = num(&sc);
    d->rate_fast = num(&sc);
    d->t_capped = (int)integer(&sc);
    d->eta_safe = num(&sc);
    long bound = integer(&sc);
    d->eta_max = num(&sc);
    long n = integer(&sc);
    if (bound < 0 || bound >= BW_BOUND_COUNT || n < 0 || n > BW_ORDER_MAX_ETAS) return false;
    d->bound = (bw_eta_bound)bound;
    d->n = (int)n;
    for (int i = 0; i < d->n; i++) d->etas[i] = num(&sc);
  } else if (body[0] == 'E') {
    bw_order_point *pt = &x.pt;
    x.kind = SWEEP_POINT;
    x.p = (int32_t)integer(&sc);
    x.j = (int32_t)integer(&sc);
    x.rank = (int32_t)integer(&sc);
    x.wall = num(&sc);
    x.cpu = num(&sc);
    pt->eta = num(&sc);
    pt->steps = integer(&sc);
    pt->mask = (unsigned)integer(&sc);
    for (int e = 0; e < BW_ORDER_NERR; e++) {
      long st = integer(&sc);
      if (st < 0 || st >= BW_STATUS_COUNT) return false;
      pt->status[e] = (bw_status)st;
      pt->err[e] = num(&sc);
      pt->fail_time[e] = num(&sc);
      pt->fail_value[e] = num(&sc);
    }
  } else {
    return false;
  }
  while (*sc.s == ' ') sc.s++;
  if (!sc.ok || *sc.s || x.p < 0) return false;
  *r = x;
  return true;
}

void sweep_journal_header(char *buf, size_t n, uint64_t hash) {
  size_t k = 0;
  put(buf, n, &k, "%s %016llx %s", magic, (unsigned long long)hash, bw_version());
  seal(buf, n, &k);
  put(buf, n, &k, "\n");
}

static bool write_all(int fd, const char *buf, size_t n) {
  while (n) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    buf += w;
    n -= (size_t)w;
  }
  return true;
}

/* fsync the folder, so that a new file's name is durable too. */
static void sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

/* Lock the journal: one run at a time. A file system without locks (some NFS set-ups)
 * runs unlocked. */
static int lock(sweep_journal *j, cli_err *e) {
  if (flock(j->fd, LOCK_EX | LOCK_NB) == 0) return EXIT_OK;
  if (errno == EWOULDBLOCK) {
    cli_fail(e, "%s: in use by a run of this sweep that is going on (wait for it to end, or stop it)", j->path);
    return EXIT_USAGE;
  }
  return EXIT_OK;
}

/* A journal that is there already: a run that is still going holds its lock; otherwise
 * an interrupted run left it. */
static int exists(sweep_journal *j, cli_err *e) {
  int fd = open(j->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  const bool running = fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  if (fd >= 0) close(fd);
  if (running)
    cli_fail(e, "%s: a run of this sweep is going on in this folder (wait for it to end, or stop it; "
             "then --resume finishes an interrupted run)", j->path);
  else
    cli_fail(e, "%s: an interrupted run of this sweep left its journal: --resume finishes it "
             "(or delete the file to start over)", j->path);
  return EXIT_USAGE;
}

/* The journal must be a regular file: it is appended to, read back and truncated. */
static int regular(sweep_journal *j, cli_err *e) {
  struct stat sb;
  if (fstat(j->fd, &sb) != 0) {
    cli_fail(e, "%s: %s", j->path, strerror(errno));
    return EXIT_FAIL;
  }
  if (!S_ISREG(sb.st_mode)) {
    cli_fail(e, "%s: not a regular file: it cannot be the sweep's journal (remove it)", j->path);
    return EXIT_USAGE;
  }
  return EXIT_OK;
}

static int create(sweep_journal *j, const char *dir, uint64_t hash, cli_err *e) {
  j->fd = open(j->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (j->fd < 0 && errno == EEXIST) return exists(j, e);
  if (j->fd < 0) {
    cli_fail(e, "%s: cannot create the journal: %s", j->path, strerror(errno));
    return EXIT_USAGE;
  }
  int rc = lock(j, e);
  if (rc) return rc;
  char h[256];
  sweep_journal_header(h, sizeof h, hash);
  if (!write_all(j->fd, h, strlen(h)) || fsync(j->fd) != 0) { /* a full disk: leave nothing */
    cli_fail(e, "%s: cannot write: %s", j->path, strerror(errno ? errno : EIO));
    unlink(j->path);
    close(j->fd);
    j->fd = -1;
    return EXIT_FAIL;
  }
  sync_dir(dir);
  return EXIT_OK;
}

int sweep_journal_scan(char *buf, size_t len, uint64_t hash, bool (*on_record)(void *, const sweep_result *),
                       void *ctx, size_t *good, long *records, long *dropped) {
  char h[256];
  sweep_journal_header(h, sizeof h, hash);
  const size_t hl = strlen(h);
  *good = 0;
  if (len < hl && !memcmp(buf, h, len)) return EXIT_OK; /* a torn header: nothing was recorded yet */
  if (len < hl || memcmp(buf, h, hl)) return EXIT_USAGE;
  *good = hl;
  for (size_t at = hl; at < len;) {
    char *nl = memchr(buf + at, '\n', len - at);
    if (!nl) { /* torn last line */
      ++*dropped;
      break;
    }
    *nl = '\0';
    sweep_result r;
    if (sweep_record_parse(buf + at, &r) && on_record(ctx, &r)) ++*records;
    else ++*dropped; /* corrupt: its task runs again */
    at = (size_t)(nl - buf) + 1;
    *good = at;
  }
  return EXIT_OK;
}

/* Read the journal back; cut a torn last line. */
static int replay(sweep_journal *j, uint64_t hash, bool (*on_record)(void *, const sweep_result *),
                  void *ctx, cli_err *e) {
  struct stat sb;
  if (fstat(j->fd, &sb) != 0) {
    cli_fail(e, "%s: %s", j->path, strerror(errno));
    return EXIT_FAIL;
  }
  size_t size = (size_t)sb.st_size;
  char *buf = malloc(size + 1);
  if (!buf) {
    cli_fail(e, "%s: out of memory (%zu bytes)", j->path, size);
    return EXIT_FAIL;
  }
  size_t got = 0;
  while (got < size) {
    ssize_t r = pread(j->fd, buf + got, size - got, (off_t)got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  buf[got] = '\0';
  char h[256];
  sweep_journal_header(h, sizeof h, hash);
  const size_t hl = strlen(h);
  size_t good = 0;
  int rc = sweep_journal_scan(buf, got, hash, on_record, ctx, &good, &j->records, &j->dropped);
  free(buf);
  if (rc) {
    cli_fail(e, "%s: the journal of another sweep (a different spec, problem files or bwflow "
             "version): delete it to start over", j->path);
    return rc;
  }
  if (good < hl) { /* rewrite the header */
    if (ftruncate(j->fd, 0) != 0 || !write_all(j->fd, h, hl) || fsync(j->fd) != 0) {
      cli_fail(e, "%s: cannot write: %s", j->path, strerror(errno));
      return EXIT_FAIL;
    }
  } else if (good < got) {
    if (ftruncate(j->fd, (off_t)good) != 0 || fsync(j->fd) != 0) {
      cli_fail(e, "%s: cannot cut the torn last line: %s", j->path, strerror(errno));
      return EXIT_FAIL;
    }
  }
  return EXIT_OK;
}

int sweep_journal_open(sweep_journal *j, const char *dir, const char *name, uint64_t hash,
                       bool resume, bool (*on_record)(void *ctx, const sweep_result *r), void *ctx,
                       cli_err *e) {
  memset(j, 0, sizeof *j);
  j->fd = -1;
  int n = snprintf(j->path, sizeof j->path, "%s/sweep-%s.journal", dir, name);
  if (n < 0 || (size_t)n >= sizeof j->path) {
    cli_fail(e, "--out %s: path too long", dir);
    return EXIT_USAGE;
  }
  if (!resume) return create(j, dir, hash, e);
  j->fd = open(j->path, O_RDWR | O_APPEND | O_CLOEXEC | O_NONBLOCK);
  if (j->fd < 0 && errno == ENOENT) return create(j, dir, hash, e); /* nothing to resume */
  if (j->fd < 0) {
    cli_fail(e, "%s: cannot open the journal: %s", j->path, strerror(errno));
    return EXIT_USAGE;
  }
  int rc = regular(j, e);
  if (!rc) rc = lock(j, e);
  return rc ? rc : replay(j, hash, on_record, ctx, e);
}

bool sweep_journal_add(sweep_journal *j, const sweep_result *r, cli_err *e) {
  if (j->cap - j->len < LINE_MAX_LEN) {
    size_t cap = j->cap ? 2 * j->cap : 4 * LINE_MAX_LEN;
    char *nb = realloc(j->buf, cap);
    if (!nb) return cli_fail(e, "%s: out of memory", j->path);
    j->buf = nb;
    j->cap = cap;
  }
  sweep_record_format(r, j->buf + j->len, LINE_MAX_LEN - 1);
  j->len += strlen(j->buf + j->len);
  j->buf[j->len++] = '\n';
  return true;
}

bool sweep_journal_commit(sweep_journal *j, bool force, cli_err *e) {
  if (j->len) {
    if (!write_all(j->fd, j->buf, j->len))
      return cli_fail(e, "%s: cannot write the journal: %s", j->path, strerror(errno));
    j->len = 0;
    j->unsynced = true;
  }
  double now = sweep_now();
  if (j->unsynced && (force || now - j->synced >= SWEEP_SYNC_INTERVAL)) {
    if (fsync(j->fd) != 0) return cli_fail(e, "%s: cannot sync the journal: %s", j->path, strerror(errno));
    j->unsynced = false;
    j->synced = now;
    j->syncs++;
  }
  return true;
}

void sweep_journal_close(sweep_journal *j, bool unlink_it) {
  if (j->fd >= 0) {
    if (unlink_it) unlink(j->path);
    close(j->fd);
  }
  free(j->buf);
  j->fd = -1;
  j->buf = NULL;
}
