/* Unit tests for the private buffers and the session table. */
#include <string.h>
#include "session.h"
#include "check.h"

static void test_buf(void) {
    shm_buf b = {0};
    char *w = shm_buf_reserve(&b, 10, 100);
    CHECK(w != NULL);
    memcpy(w, "0123456789", 10);
    shm_buf_commit(&b, 10);
    shm_buf_consume(&b, 4);
    CHECK(shm_buf_len(&b) == 6 && memcmp(b.p + b.start, "456789", 6) == 0);
    CHECK(shm_buf_reserve(&b, 95, 100) == NULL);      /* 6 live + 95 > limit */
    w = shm_buf_reserve(&b, 94, 100);
    CHECK(w != NULL && b.start == 0 && memcmp(b.p, "456789", 6) == 0);
    shm_buf_consume(&b, 6);
    CHECK(shm_buf_len(&b) == 0 && b.start == 0);
    CHECK(shm_buf_append(&b, "xyz", 3) == 0 && shm_buf_len(&b) == 3);
    shm_buf_free(&b);
    CHECK(b.p == NULL && b.cap == 0);
}

static void test_table(void) {
    shm_table t = {0};
    static shm_session s[40];
    for (int i = 0; i < 40; i++) {
        memset(&s[i], 0, sizeof s[i]);
        s[i].client_id = 100 + (uint64_t)i;
        s[i].dev = 1;
        s[i].ino = 1000 + (uint64_t)i;
        CHECK(shm_table_add(&t, &s[i]) == 0);
    }
    CHECK(t.count == 40 && s[3].in_table);
    CHECK(shm_table_by_client(&t, 105) == &s[5]);
    CHECK(shm_table_by_inode(&t, 1, 1007) == &s[7]);
    CHECK(shm_table_by_inode(&t, 2, 1007) == NULL);
    CHECK(shm_table_remove(&t, &s[5]) == 1 && !s[5].in_table);
    CHECK(shm_table_remove(&t, &s[5]) == 0);
    CHECK(shm_table_by_client(&t, 105) == NULL && t.count == 39);
    CHECK(shm_table_by_client(&t, 139) == &s[39]);
    shm_table_free(&t);
}

int main(void) {
    test_buf();
    test_table();
    CHECK_DONE("test_session");
}
