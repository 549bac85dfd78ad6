/* Status codes: every code has a distinct name and a message. SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "testutil.h"

START_TEST(names_and_messages) {
  for (int s = 0; s < BW_STATUS_COUNT; s++) {
    ck_assert_str_ne(bw_strerror((bw_status)s), "unknown status");
    ck_assert_str_ne(bw_status_name((bw_status)s), "BW_UNKNOWN_STATUS");
    ck_assert(strncmp(bw_status_name((bw_status)s), "BW_", 3) == 0);
    for (int t = 0; t < s; t++) ck_assert_str_ne(bw_status_name((bw_status)s), bw_status_name((bw_status)t));
  }
  ck_assert_str_eq(bw_strerror((bw_status)-1), "unknown status");
  ck_assert_str_eq(bw_strerror(BW_STATUS_COUNT), "unknown status");
  ck_assert_str_eq(bw_status_name(BW_ERR_NOT_SPD), "BW_ERR_NOT_SPD");
}
END_TEST

START_TEST(version) { ck_assert_str_eq(bw_version(), BWFLOW_VERSION); }
END_TEST

START_TEST(workspace) {
  ck_assert_ptr_null(bw_workspace_alloc(0));
  bw_workspace *ws = bw_workspace_alloc(10);
  ck_assert_ptr_nonnull(ws);
  ck_assert_int_eq(bw_workspace_dim(ws), 10);
  ck_assert(bw_workspace_bytes(ws) > 100 * sizeof(double));
  ck_assert(bw_workspace_bytes(ws) < 100 * 100 * sizeof(double)); /* O(d^2) */
  bw_workspace_free(ws);
  bw_workspace_free(NULL);
}
END_TEST

int main(void) {
  Suite *s = suite_create("status");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, names_and_messages);
  tcase_add_test(tc, version);
  tcase_add_test(tc, workspace);
  suite_add_tcase(s, tc);
  return tu_run(s);
}
