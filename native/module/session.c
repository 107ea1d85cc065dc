/* session.c -- see session.h. */
#include "session.h"

#include <stdlib.h>
#include "alloc.h"
#include <string.h>

void shm_buf_free(shm_buf *b) {
    shm_free(b->p);
    memset(b, 0, sizeof *b);
}

char *shm_buf_reserve(shm_buf *b, size_t want, size_t limit) {
    size_t live = b->end - b->start;
    if (live + want > limit || live + want < live) return NULL;
    if (b->cap - b->end >= want) return b->p + b->end;
    if (b->start > 0) {
        memmove(b->p, b->p + b->start, live);
        b->start = 0;
        b->end = live;
        if (b->cap - b->end >= want) return b->p + b->end;
    }
    size_t ncap = b->cap ? b->cap : 4096;
    while (ncap < live + want) ncap *= 2;
    if (ncap > limit) ncap = limit;
    char *n = shm_realloc(b->p, ncap);
    if (!n) return NULL;
    b->p = n;
    b->cap = ncap;
    return b->p + b->end;
}

void shm_buf_consume(shm_buf *b, size_t n) {
    b->start += n;
    if (b->start >= b->end) b->start = b->end = 0;
}

int shm_buf_append(shm_buf *b, const void *p, size_t n) {
    char *w = shm_buf_reserve(b, n, SIZE_MAX);
    if (!w) return -1;
    memcpy(w, p, n);
    b->end += n;
    return 0;
}

int shm_table_add(shm_table *t, shm_session *s) {
    if (t->count == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 16;
        shm_session **n = shm_realloc(t->s, ncap * sizeof *n);
        if (!n) return -1;
        t->s = n;
        t->cap = ncap;
    }
    t->s[t->count++] = s;
    s->in_table = 1;
    return 0;
}

int shm_table_remove(shm_table *t, shm_session *s) {
    for (size_t i = 0; i < t->count; i++) {
        if (t->s[i] == s) {
            t->s[i] = t->s[--t->count];
            s->in_table = 0;
            return 1;
        }
    }
    return 0;
}

shm_session *shm_table_by_client(const shm_table *t, uint64_t client_id) {
    for (size_t i = 0; i < t->count; i++)
        if (t->s[i]->client_id == client_id) return t->s[i];
    return NULL;
}

shm_session *shm_table_by_inode(const shm_table *t, uint64_t dev, uint64_t ino) {
    for (size_t i = 0; i < t->count; i++)
        if (t->s[i]->dev == dev && t->s[i]->ino == ino) return t->s[i];
    return NULL;
}

void shm_table_free(shm_table *t) {
    shm_free(t->s);
    memset(t, 0, sizeof *t);
}
