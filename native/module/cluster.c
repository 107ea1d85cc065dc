/* cluster.c -- see cluster.h. */
#include "cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned shm_cl_crc16(const char *p, size_t n) {
    unsigned crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= (unsigned)(uint8_t)p[i] << 8;
        for (int b = 0; b < 8; b++) crc = (crc & 0x8000) ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    return crc;
}

unsigned shm_cl_keyslot(const char *key, size_t n) {
    size_t s = 0;
    while (s < n && key[s] != '{') s++;
    if (s < n) {
        size_t e = s + 1;
        while (e < n && key[e] != '}') e++;
        /* a '}' after the '{' with something between: hash only the tag */
        if (e < n && e > s + 1) return shm_cl_crc16(key + s + 1, e - s - 1) & 0x3fff;
    }
    return shm_cl_crc16(key, n) & 0x3fff;
}

/* ---------- CLUSTER NODES ---------- */

typedef struct span { const char *p; size_t n; } span;

/* The next field of a line split at single spaces; 0 at the end of the line. */
static int next_field(span *line, span *out) {
    while (line->n && line->p[0] == ' ') { line->p++; line->n--; }
    if (!line->n) return 0;
    size_t i = 0;
    while (i < line->n && line->p[i] != ' ') i++;
    out->p = line->p;
    out->n = i;
    line->p += i;
    line->n -= i;
    return 1;
}

static int span_is(span s, const char *w) { return s.n == strlen(w) && memcmp(s.p, w, s.n) == 0; }

/* A decimal in [0, max]; -1 if not one. */
static long parse_uint(const char *p, size_t n, long max) {
    if (n == 0 || n > 10) return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v <= max ? v : -1;
}

static int find_node(const shm_cl_view *v, const char *id, size_t n) {
    if (n != 40) return -1;
    for (size_t i = 0; i < v->count; i++)
        if (memcmp(v->nodes[i].id, id, 40) == 0) return (int)i;
    return -1;
}

/* Has the comma-separated flag list this flag? */
static int has_flag(span flags, const char *f) {
    size_t fl = strlen(f), i = 0;
    while (i < flags.n) {
        size_t j = i;
        while (j < flags.n && flags.p[j] != ',') j++;
        if (j - i == fl && memcmp(flags.p + i, f, fl) == 0) return 1;
        i = j + 1;
    }
    return 0;
}

/* Fills a node from "<id> <ip:port@cport[,hostname]>"; 0 or -1. */
static int parse_node(shm_cl_node *node, span id, span addr) {
    if (id.n != 40) return -1;
    memcpy(node->id, id.p, 40);
    node->id[40] = 0;
    size_t comma = 0;
    while (comma < addr.n && addr.p[comma] != ',') comma++;
    size_t host_n = comma < addr.n ? addr.n - comma - 1 : 0;
    if (host_n >= sizeof node->host) return -1;
    memcpy(node->host, addr.p + comma + 1, host_n);
    node->host[host_n] = 0;
    size_t at = 0;
    while (at < comma && addr.p[at] != '@') at++;
    size_t colon = at;   /* the last ':' before '@' (IPv6 addresses hold colons) */
    while (colon > 0 && addr.p[colon - 1] != ':') colon--;
    if (colon == 0) return -1;
    size_t ip_n = colon - 1;
    if (ip_n >= sizeof node->ip) return -1;
    memcpy(node->ip, addr.p, ip_n);
    node->ip[ip_n] = 0;
    long port = parse_uint(addr.p + colon, at - colon, 65535);
    if (port < 0) return -1;
    node->port = (int)port;
    return 0;
}

/* One slot field of a master or myself: "a", "a-b", "[a->-id]", "[a-<-id]". */
static int parse_slot_field(shm_cl_view *v, int idx, int is_myself, span f) {
    if (f.n && f.p[0] == '[') {
        /* "[" slot ("->-" | "-<-") id "]" */
        size_t i = 1;
        while (i < f.n && f.p[i] >= '0' && f.p[i] <= '9') i++;
        long slot = parse_uint(f.p + 1, i - 1, SHM_CL_SLOTS - 1);
        if (slot < 0 || f.n < i + 3 + 40 + 1 || f.p[f.n - 1] != ']' || f.n != i + 3 + 40 + 1) return -1;
        int migrating = memcmp(f.p + i, "->-", 3) == 0;
        int importing = memcmp(f.p + i, "-<-", 3) == 0;
        int other = find_node(v, f.p + i + 3, 40);
        if ((!migrating && !importing) || other < 0) return -1;
        if (!is_myself) return 0;   /* only myself's open slots are printed (and mean anything) */
        if (migrating) v->migrating_to[slot] = (int16_t)other;
        else v->importing_from[slot] = (int16_t)other;
        return 0;
    }
    size_t dash = 0;
    while (dash < f.n && f.p[dash] != '-') dash++;
    long a = parse_uint(f.p, dash, SHM_CL_SLOTS - 1);
    long b = dash < f.n ? parse_uint(f.p + dash + 1, f.n - dash - 1, SHM_CL_SLOTS - 1) : a;
    if (a < 0 || b < a) return -1;
    for (long s = a; s <= b; s++) v->owner[s] = (int16_t)idx;
    return 0;
}

int shm_cl_view_parse(shm_cl_view *v, const char *text, size_t len) {
    v->count = 0;
    v->myself = -1;
    v->my_master = -1;
    for (int s = 0; s < SHM_CL_SLOTS; s++) v->owner[s] = v->migrating_to[s] = v->importing_from[s] = -1;
    /* pass 1: the nodes, so that pass 2 can resolve ids */
    for (int pass = 1; pass <= 2; pass++) {
        size_t pos = 0, idx = 0;
        while (pos < len) {
            size_t end = pos;
            while (end < len && text[end] != '\n') end++;
            span line = {text + pos, end - pos};
            if (line.n && line.p[line.n - 1] == '\r') line.n--;
            pos = end + 1;
            span id, addr, flags, master, skip;
            if (!next_field(&line, &id)) continue;   /* blank line */
            if (!next_field(&line, &addr) || !next_field(&line, &flags) || !next_field(&line, &master)) return -1;
            for (int k = 0; k < 4; k++) if (!next_field(&line, &skip)) return -1;   /* ping pong epoch link */
            if (pass == 1) {
                if (v->count == v->cap) {
                    size_t cap = v->cap ? v->cap * 2 : 16;
                    if (cap > 4096) return -1;   /* more than any sane cluster */
                    shm_cl_node *n = realloc(v->nodes, cap * sizeof *n);
                    if (!n) return -1;
                    v->nodes = n;
                    v->cap = cap;
                }
                if (parse_node(&v->nodes[v->count], id, addr) != 0) return -1;
                if (find_node(v, id.p, id.n) >= 0) return -1;   /* the same id twice */
                if (has_flag(flags, "myself")) {
                    if (v->myself >= 0) return -1;
                    v->myself = (int)v->count;
                }
                v->count++;
                continue;
            }
            int is_myself = (int)idx == v->myself;
            if (is_myself && !span_is(master, "-")) {
                v->my_master = find_node(v, master.p, master.n);
                if (v->my_master < 0) return -1;
            }
            span f;
            while (next_field(&line, &f))
                if (parse_slot_field(v, (int)idx, is_myself, f) != 0) return -1;
            idx++;
        }
        if (pass == 1 && v->myself < 0) return -1;
    }
    return 0;
}

void shm_cl_view_free(shm_cl_view *v) {
    free(v->nodes);
    v->nodes = NULL;
    v->count = v->cap = 0;
}

/* ---------- the decision (getNodeByQuery) ---------- */

int shm_cl_decide(const shm_cl_view *v, const shm_cl_query *q, int *slot, int *node) {
    *slot = 0;
    *node = -1;
    const shm_cl_key *first = NULL;
    int n = -1, s = 0, migrating = 0, importing = 0, multiple = 0, missing = 0, existing = 0;
    for (size_t j = 0; j < q->nkeys; j++) {
        const shm_cl_key *k = &q->keys[j];
        int ks = (int)shm_cl_keyslot(k->p, k->len);
        if (!first) {
            first = k;
            s = ks;
            n = v->owner[s];
            if (n < 0) return SHM_CL_UNBOUND;
            if (n == v->myself && v->migrating_to[s] >= 0) migrating = 1;
            else if (v->importing_from[s] >= 0) importing = 1;
        } else if (k->len != first->len || memcmp(k->p, first->p, k->len) != 0) {
            if (ks != s) return SHM_CL_CROSSSLOT;
            multiple = 1;
        }
        /* the server counts every key of an open slot; the counts only decide when the
         * slot migrates away, or is imported and the request may be served here */
        int counted = migrating || (importing && (q->asking || q->cmd_asking));
        if (counted && !q->is_pubsubshard) {
            if (q->exists(q->priv, k->p, k->len)) existing++;
            else missing++;
        }
    }
    if (!first) return SHM_CL_MYSELF;
    if (!q->state_ok) {
        if (q->is_pubsubshard) {
            if (!q->allow_pubsubshard_down) return SHM_CL_DOWN;
        } else if (!q->allow_reads_down) {
            return SHM_CL_DOWN;
        } else if (q->is_write) {
            return SHM_CL_DOWN_RO;
        }
    }
    *slot = s;
    if ((migrating || importing) && q->is_migrate) return SHM_CL_MYSELF;
    if (migrating && missing) {
        if (existing) return SHM_CL_TRYAGAIN;
        *node = v->migrating_to[s];
        return SHM_CL_ASK;
    }
    if (importing && (q->asking || q->cmd_asking)) {
        if (multiple && missing) return SHM_CL_TRYAGAIN;
        return q->cmd_asking ? SHM_CL_MYSELF : SHM_CL_MYSELF_ASKING;
    }
    if ((q->readonly || q->is_pubsubshard) && !q->is_write && v->my_master >= 0 && v->my_master == n)
        return q->is_pubsubshard ? SHM_CL_MYSELF : SHM_CL_MYSELF_READONLY;
    if (n != v->myself) {
        *node = n;
        return SHM_CL_MOVED;
    }
    return SHM_CL_MYSELF;
}

/* ---------- the reply (clusterRedirectClient) ---------- */

int shm_cl_reply_text(char *out, size_t cap, int decision, int slot, const shm_cl_node *n, int endpoint_type) {
    const char *fixed = NULL;
    switch (decision) {
    case SHM_CL_CROSSSLOT: fixed = "CROSSSLOT Keys in request don't hash to the same slot"; break;
    case SHM_CL_TRYAGAIN: fixed = "TRYAGAIN Multiple keys request during rehashing of slot"; break;
    case SHM_CL_DOWN: fixed = "CLUSTERDOWN The cluster is down"; break;
    case SHM_CL_DOWN_RO: fixed = "CLUSTERDOWN The cluster is down and only accepts read commands"; break;
    case SHM_CL_UNBOUND: fixed = "CLUSTERDOWN Hash slot not served"; break;
    case SHM_CL_MOVED: case SHM_CL_ASK: break;
    default: return -1;
    }
    int w;
    if (fixed) {
        w = snprintf(out, cap, "%s", fixed);
    } else {
        if (!n) return -1;
        const char *ep = endpoint_type == SHM_CL_ENDPOINT_HOSTNAME ? (n->host[0] ? n->host : "?")
                       : endpoint_type == SHM_CL_ENDPOINT_UNKNOWN ? "" : n->ip;
        w = snprintf(out, cap, "%s %d %s:%d", decision == SHM_CL_ASK ? "ASK" : "MOVED", slot, ep, n->port);
    }
    return w < 0 || (size_t)w >= cap ? -1 : w;
}
