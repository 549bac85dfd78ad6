/* bwflow command-line tool: a progress line on stderr for long commands, shown only when
 * stderr is a terminal and redrawn at most ten times a second. SPDX-License-Identifier: BSD-3-Clause */
#include <dlfcn.h>
#include <stdarg.h>
#include <unistd.h>
#include "cli.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

void cli_progress_init(cli_progress *p) {
  p->tty = isatty(STDERR_FILENO);
  p->shown = false;
  p->last = now();
}

void cli_progress_show(cli_progress *p, const char *fmt, ...) {
  if (!p->tty) return;
  const double t = now();
  if (t - p->last < 0.1) return;
  p->last = t;
  p->shown = true;
  va_list ap;
  va_start(ap, fmt);
  fputs("\r\033[K", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
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
