/* Corpus replay: feed every file of the given directories (tests/fuzz/corpus and
 * tests/fuzz/regressions) to the readers, as the fuzz target does. Built with any
 * compiler and run on every build (meson test fuzz_replay); a crash, a sanitizer report or
 * a violated invariant (abort) fails it. Also checks that the valid seeds are accepted:
 * files named valid-*.json must be read by at least one reader.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_common.h"

static int replay_dir(const char *dir, long *nfiles) {
  DIR *dp = opendir(dir);
  if (!dp) {
    fprintf(stderr, "fuzz_replay: cannot open %s\n", dir);
    return 1;
  }
  int bad = 0;
  struct dirent *de;
  while ((de = readdir(dp))) {
    if (de->d_name[0] == '.') continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    FILE *f = fopen(path, "rb");
    if (!f) continue;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
      n += r;
      if (n == cap) {
        unsigned char *nb = realloc(buf, 2 * cap);
        if (!nb) break;
        buf = nb, cap *= 2;
      }
    }
    fclose(f);
    if (!buf) return 1;
    int accepted = bw_fuzz_one(buf, n);
    free(buf);
    if (!strncmp(de->d_name, "valid-", 6) && !accepted) {
      fprintf(stderr, "fuzz_replay: %s is a valid input but was rejected\n", path);
      bad = 1;
    }
    ++*nfiles;
  }
  closedir(dp);
  return bad;
}

int main(int argc, char **argv) {
  long n = 0;
  int bad = 0;
  for (int i = 1; i < argc; i++) bad |= replay_dir(argv[i], &n);
  printf("fuzz_replay: %ld inputs replayed\n", n);
  return bad || n == 0;
}
