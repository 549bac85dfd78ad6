/* bwflow command-line tool: a progress line on stderr for long commands: on a terminal,
 * redrawn in place at most ten times a second; elsewhere (a log file, rank 0 under mpirun)
 * only when asked for (--progress), as whole lines at most once a second.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <dlfcn.h>
#include <stdarg.h>
#include <unistd.h>
#include "cli.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

void cli_progress_init(cli_progress *p, bool asked) {
  p->tty = isatty(STDERR_FILENO);
  p->on = p->tty || asked;
  p->shown = false;
  p->last = now();
}

void cli_progress_show(cli_progress *p, const char *fmt, ...) {
  if (!p->on) return;
  const double t = now();
  if (t - p->last < (p->tty ? 0.1 : 1.0)) return;
  p->last = t;
  p->shown = p->tty;
  va_list ap;
  va_start(ap, fmt);
  if (p->tty) fputs("\r\033[K", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  if (!p->tty) fputc('\n', stderr);
  fflush(stderr);
}

void cli_blas_single_thread(void) {
  /* OpenBLAS reads OPENBLAS_NUM_THREADS when it is loaded, before main: set the count
   * through its API when it is the BLAS in use (another BLAS has no such symbol). */
  void (*set)(int) = NULL;
  *(void **)&set = dlsym(RTLD_DEFAULT, "openblas_set_num_threads"); /* POSIX's idiom */
  if (set) set(1);
}

void cli_progress_clear(cli_progress *p) {
  if (p->shown) fputs("\r\033[K", stderr);
  p->shown = false;
}
