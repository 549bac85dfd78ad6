/* bwflow command-line tool: a command's output files, all or nothing.
 *
 * Every file of a command is written to a temporary DIR/.NAME.tmpXXXXXX. cli_files_commit
 * checks every stream (ferror, fflush, fsync, fclose) before it renames anything, then
 * renames the temporaries over their final names with SIGINT, SIGTERM and SIGHUP held back,
 * and fsyncs the folder. A file of the same name from an earlier run is first linked aside
 * (DIR/.NAME.oldXXXXXX), so that when a rename fails the earlier files are put back: a
 * reader sees the old set or the new one, never a mix. On any failure, on cli_files_abort
 * and on SIGINT, SIGTERM or SIGHUP, the temporaries are removed (the signal handler unlinks
 * the temporaries registered here, then lets the signal end the process). Only kill -9 or
 * a power cut while a command writes can leave a hidden temporary behind, never a partial
 * visible file. SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

bool cli_out_dir(const char *dir, cli_err *e) {
  struct stat sb;
  if (stat(dir, &sb) != 0) {
    if (errno != ENOENT || mkdir(dir, 0777) != 0)
      return cli_fail(e, "--out %s: cannot create the directory: %s", dir, strerror(errno));
  } else if (!S_ISDIR(sb.st_mode)) {
    return cli_fail(e, "--out %s: not a directory", dir);
  }
  if (access(dir, W_OK | X_OK) != 0)
    return cli_fail(e, "--out %s: cannot write there: %s", dir, strerror(errno));
  return true;
}

/* ---- the temporaries a signal must remove (process-wide: a signal handler has no
 * other way to find them) ---- */

enum { MAX_PENDING = 64 };
static const char *volatile pending[MAX_PENDING];
static volatile sig_atomic_t npending;
static const int caught[] = {SIGINT, SIGTERM, SIGHUP};
#define NCAUGHT (sizeof caught / sizeof caught[0])

static void on_signal(int sig) {
  for (sig_atomic_t i = 0; i < npending; i++)
    if (pending[i]) unlink(pending[i]);
  signal(sig, SIG_DFL);
  raise(sig); /* delivered when the handler returns: the usual exit status of the signal */
}

static void block(sigset_t *old) {
  sigset_t s;
  sigemptyset(&s);
  for (size_t i = 0; i < NCAUGHT; i++) sigaddset(&s, caught[i]);
  pthread_sigmask(SIG_BLOCK, &s, old);
}

static void unblock(const sigset_t *old) { pthread_sigmask(SIG_SETMASK, old, NULL); }

/* Register path (false when the table is full); with signals blocked. */
static bool track(const char *path) {
  static bool installed;
  if (!installed) { /* keep a disposition the caller chose to ignore (nohup) */
    for (size_t i = 0; i < NCAUGHT; i++) {
      struct sigaction sa, old;
      if (sigaction(caught[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
      memset(&sa, 0, sizeof sa);
      sa.sa_handler = on_signal;
      sigemptyset(&sa.sa_mask);
      sigaction(caught[i], &sa, NULL);
    }
    installed = true;
  }
  for (sig_atomic_t i = 0; i < npending; i++)
    if (!pending[i]) {
      pending[i] = path;
      return true;
    }
  if (npending == MAX_PENDING) return false;
  pending[npending] = path;
  npending = npending + 1;
  return true;
}

static void untrack(const char *path) {
  for (sig_atomic_t i = 0; i < npending; i++)
    if (pending[i] == path) pending[i] = NULL;
}

/* ---- the set ---- */

void cli_files_init(cli_fileset *s, const char *cmd) {
  memset(s, 0, sizeof *s);
  s->cmd = cmd;
}

FILE *cli_files_add(cli_fileset *s, const char *dir, const char *name, cli_err *e) {
  if (s->n == CLI_MAX_OUTFILES) {
    cli_fail(e, "internal: more than %d output files", CLI_MAX_OUTFILES);
    return NULL;
  }
  cli_outfile *o = &s->f[s->n];
  memset(o, 0, sizeof *o);
  int n1 = snprintf(o->final, sizeof o->final, "%s/%s", dir, name);
  int n2 = snprintf(o->tmp, sizeof o->tmp, "%s/.%s.tmpXXXXXX", dir, name);
  if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof o->final || (size_t)n2 >= sizeof o->tmp) {
    cli_fail(e, "--out %s: path too long", dir);
    return NULL;
  }
  sigset_t old;
  block(&old);
  int fd = mkstemp(o->tmp);
  const int err = errno;
  const bool tracked = fd >= 0 && track(o->tmp);
  unblock(&old);
  if (fd < 0) {
    cli_fail(e, "%s: cannot create a temporary file: %s", o->final, strerror(err));
    return NULL;
  }
  s->n++; /* from here on, abort removes it */
  if (!tracked) {
    cli_files_abort(s);
    cli_fail(e, "internal: too many temporary files");
    return NULL;
  }
  fchmod(fd, 0644);
  if (!(o->f = fdopen(fd, "w"))) {
    const int err2 = errno;
    close(fd);
    cli_files_abort(s);
    cli_fail(e, "%s: %s", o->final, strerror(err2));
    return NULL;
  }
  return o->f;
}

bool cli_files_ok(const cli_fileset *s) {
  for (int i = 0; i < s->n; i++)
    if (s->f[i].f && ferror(s->f[i].f)) return false;
  return true;
}

/* Flush, sync and close o's stream; false with errno set. */
static bool finish(cli_outfile *o) {
  bool ok = !ferror(o->f) && fflush(o->f) == 0 && fsync(fileno(o->f)) == 0;
  int err = ok ? 0 : errno ? errno : EIO;
  if (fclose(o->f) != 0 && ok) ok = false, err = errno;
  o->f = NULL;
  errno = err;
  return ok;
}

/* fsync the folder of path, so that the renames are durable too. */
static void sync_dir_of(const char *path) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = '\0';
  int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

/* DIR/.NAME.oldXXXXXX from DIR/.NAME.tmpXXXXXX. */
static void old_name(const cli_outfile *o, char *buf, size_t n) {
  snprintf(buf, n, "%s", o->tmp);
  char *t = strrchr(buf, '.');
  if (t && !strncmp(t, ".tmp", 4)) memcpy(t, ".old", 4);
}

bool cli_files_commit(cli_fileset *s, cli_err *e) {
  for (int i = 0; i < s->n; i++)
    if (!finish(&s->f[i])) {
      const int err = errno;
      cli_files_abort(s);
      return cli_fail(e, "%s: write failed: %s", s->f[i].final, strerror(err));
    }
  sigset_t mask;
  block(&mask);
  /* keep the files of an earlier run aside until every rename has succeeded */
  char old[CLI_MAX_OUTFILES][4096];
  bool kept[CLI_MAX_OUTFILES] = {false};
  for (int i = 0; i < s->n; i++) {
    old_name(&s->f[i], old[i], sizeof old[i]);
    kept[i] = link(s->f[i].final, old[i]) == 0;
  }
  int failed = -1, err = 0;
  for (int i = 0; i < s->n && failed < 0; i++)
    if (rename(s->f[i].tmp, s->f[i].final) != 0) failed = i, err = errno;
  for (int i = 0; i < s->n; i++) {
    if (failed >= 0 && i < failed) { /* undo: the earlier file back, or none */
      if (kept[i]) rename(old[i], s->f[i].final);
      else unlink(s->f[i].final);
    } else if (failed >= 0) {
      unlink(s->f[i].tmp);
    }
    if (kept[i]) unlink(old[i]); /* no-op after a successful undo */
    untrack(s->f[i].tmp);
  }
  if (failed < 0 && s->n) sync_dir_of(s->f[0].final);
  const int n = s->n;
  s->n = 0;
  unblock(&mask);
  if (failed >= 0) return cli_fail(e, "%s: cannot rename the new file into place: %s", s->f[failed].final, strerror(err));
  for (int i = 0; i < n; i++) fprintf(stderr, "bwflow %s: wrote %s\n", s->cmd, s->f[i].final);
  return true;
}

void cli_files_abort(cli_fileset *s) {
  sigset_t mask;
  block(&mask);
  for (int i = 0; i < s->n; i++) {
    if (s->f[i].f) fclose(s->f[i].f);
    s->f[i].f = NULL;
    unlink(s->f[i].tmp);
    untrack(s->f[i].tmp);
  }
  s->n = 0;
  unblock(&mask);
}
