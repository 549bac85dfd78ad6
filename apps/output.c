/* bwflow command-line tool: atomic output files (temporary file, then rename).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
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

bool cli_atomic_open(cli_outfile *o, const char *dir, const char *name, cli_err *e) {
  int n1 = snprintf(o->final, sizeof o->final, "%s/%s", dir, name);
  int n2 = snprintf(o->tmp, sizeof o->tmp, "%s/.%s.tmpXXXXXX", dir, name);
  if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof o->final || (size_t)n2 >= sizeof o->tmp)
    return cli_fail(e, "--out %s: path too long", dir);
  int fd = mkstemp(o->tmp);
  if (fd < 0) return cli_fail(e, "%s: cannot create a temporary file: %s", o->final, strerror(errno));
  fchmod(fd, 0644);
  o->f = fdopen(fd, "w");
  if (!o->f) {
    close(fd);
    unlink(o->tmp);
    return cli_fail(e, "%s: %s", o->final, strerror(errno));
  }
  return true;
}

bool cli_atomic_commit(cli_outfile *o, cli_err *e) {
  bool ok = !ferror(o->f) && fflush(o->f) == 0 && fsync(fileno(o->f)) == 0;
  int err = errno;
  if (fclose(o->f) != 0 && ok) {
    ok = false;
    err = errno;
  }
  o->f = NULL;
  if (ok && rename(o->tmp, o->final) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    unlink(o->tmp);
    return cli_fail(e, "%s: write failed: %s", o->final, strerror(err));
  }
  return true;
}

void cli_atomic_abort(cli_outfile *o) {
  if (o->f) fclose(o->f);
  o->f = NULL;
  unlink(o->tmp);
}
