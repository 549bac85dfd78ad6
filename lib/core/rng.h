/* bwflow internals: the library's seeded generator (splitmix64), with its state in the
 * caller's hands (no global state). Used by the presets and the random problem.
 * Uniforms u = (x >> 11) 2^-53 in [0, 1); normals by Box-Muller,
 * sqrt(-2 log(1 - u1)) cos(2 pi u2), one normal per pair of uniforms.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_RNG_H
#define BW_RNG_H
#include <math.h>
#include <stdint.h>

typedef struct {
  uint64_t s;
} bw__rng;

static inline uint64_t bw__rng_u64(bw__rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static inline double bw__rng_uniform(bw__rng *r) { return (double)(bw__rng_u64(r) >> 11) * 0x1.0p-53; }

static inline double bw__rng_normal(bw__rng *r) {
  const double u1 = bw__rng_uniform(r), u2 = bw__rng_uniform(r);
  return sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586477 * u2); /* 1 - u1 in (0, 1] */
}

#endif
