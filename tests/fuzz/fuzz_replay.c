/* Corpus replay: feed every file of the given directories to the code of their fuzz
 * target, as the target does. Arguments TARGET=DIR, TARGET one of reader (fuzz_reader:
 * tests/fuzz/corpus, regressions), spec (fuzz_spec: corpus-spec, regressions-spec),
 * journal (fuzz_journal: corpus-journal, regressions-journal). Built with any compiler and
 * run on every build (meson test fuzz_replay); a crash, a sanitizer report or a violated
 * invariant (abort) fails it. Also checks that the valid seeds are accepted: files named
 * valid-* must be accepted (read by a reader, a valid spec, a journal with a record).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_common.h"

static int replay_dir(int (*one)(const uint8_t *, size_t), const char *dir, long *nfiles) {
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
    int accepted = one(buf, n);
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
  static const struct {
    const char *name;
    int (*one)(const uint8_t *, size_t);
  } targets[] = {{"reader", bw_fuzz_one}, {"spec", bw_fuzz_spec_one}, {"journal", bw_fuzz_journal_one}};
  long n = 0;
  int bad = 0;
  for (int i = 1; i < argc; i++) {
    const char *eq = strchr(argv[i], '=');
    int k = -1;
    for (int t = 0; eq && t < 3; t++)
      if (strlen(targets[t].name) == (size_t)(eq - argv[i]) && !strncmp(argv[i], targets[t].name, (size_t)(eq - argv[i]))) k = t;
    if (k < 0) {
      fprintf(stderr, "fuzz_replay: %s: expected TARGET=DIR, TARGET reader, spec or journal\n", argv[i]);
      return 1;
    }
    bad |= replay_dir(targets[k].one, eq + 1, &n);
  }
  printf("fuzz_replay: %ld inputs replayed\n", n);
  return bad || n == 0;
}
