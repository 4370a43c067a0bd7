/* Sorting records through function pointers: comparators called through the
   function table, records copied with memcpy and cleared with memset (memory.copy
   and memory.fill with bulk memory), an insertion sort that moves overlapping
   ranges (memmove), and a checksum loop over the bytes. */
#include <stdint.h>

typedef struct { int32_t key; uint16_t tag; uint8_t flags; int64_t weight; } record;
typedef int (*compare_fn)(const record *, const record *);

#define RECORDS 32

static record table[RECORDS];
static record scratch[RECORDS];
static unsigned count;

static int by_key(const record *a, const record *b) { return (a->key > b->key) - (a->key < b->key); }
static int by_tag_desc(const record *a, const record *b) { return (int)b->tag - (int)a->tag; }
static int by_weight(const record *a, const record *b) { return (a->weight > b->weight) - (a->weight < b->weight); }
static int by_mixed(const record *a, const record *b) {
    int c = (a->flags & 1) - (b->flags & 1);
    return c ? c : by_key(b, a);
}
static compare_fn comparators[] = {by_key, by_tag_desc, by_weight, by_mixed};

__attribute__((export_name("sort_fill")))
int32_t sort_fill(int32_t n, int32_t seed) {
    count = (unsigned)n % RECORDS;
    uint32_t x = (uint32_t)seed | 1;
    __builtin_memset(table, 0, sizeof table);
    for (unsigned i = 0; i < count; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        table[i].key = (int32_t)x >> 3;
        table[i].tag = (uint16_t)(x >> 7);
        table[i].flags = (uint8_t)x;
        table[i].weight = (int64_t)x * -7919 + ((int64_t)i << 40);
    }
    return (int32_t)count;
}

__attribute__((export_name("sort_run")))
int64_t sort_run(int32_t which) {
    compare_fn cmp = comparators[(unsigned)which % 4];
    __builtin_memcpy(scratch, table, count * sizeof(record));
    for (unsigned i = 1; i < count; i++) {
        record r = scratch[i];
        unsigned j = i;
        while (j > 0 && cmp(&scratch[j - 1], &r) > 0)
            j--;
        __builtin_memmove(&scratch[j + 1], &scratch[j], (i - j) * sizeof(record));
        scratch[j] = r;
    }
    uint64_t h = 1469598103934665603ULL;
    const uint8_t *p = (const uint8_t *)scratch;
    for (unsigned i = 0; i < count * sizeof(record); i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return (int64_t)h;
}

__attribute__((export_name("sort_shift")))
int32_t sort_shift(int32_t from, int32_t to, int32_t len) {
    unsigned f = (unsigned)from % RECORDS, t = (unsigned)to % RECORDS, l = (unsigned)len % RECORDS;
    if (f + l > RECORDS) l = RECORDS - f;
    if (t + l > RECORDS) l = RECORDS - t;
    __builtin_memmove(&table[t], &table[f], l * sizeof(record));
    return table[t].key;
}
