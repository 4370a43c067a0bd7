/* Hashing a buffer: a CRC-32 table (by nibbles) built at first use in bss, a multiply-rotate
   hash over 64-bit words, a byte buffer in bss filled by loops and by memset,
   and a small string in a data segment copied in with memcpy. */
#include <stdint.h>

static uint32_t crc_table[16];
static uint8_t buffer[4096];
static const char greeting[] = "The quick brown fox jumps over the lazy dog, 0123456789";

static void crc_init(void) {
    for (uint32_t i = 0; i < 16; i++) {
        uint32_t c = i;
        for (int k = 0; k < 4; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

__attribute__((export_name("hash_fill")))
int32_t hash_fill(int32_t seed, int32_t len) {
    unsigned n = (unsigned)len % 1024;
    __builtin_memset(buffer, (uint8_t)seed, sizeof buffer / 2);
    for (unsigned i = 0; i < n; i += 7)
        buffer[i] = (uint8_t)(seed * (int32_t)i + (seed >> 9));
    __builtin_memcpy(buffer + (unsigned)seed % 1024, greeting, sizeof greeting);
    return (int32_t)n;
}

__attribute__((export_name("hash_crc32")))
int32_t hash_crc32(int32_t start, int32_t len) {
    if (!crc_table[1])
        crc_init();
    unsigned s = (unsigned)start % sizeof buffer, n = (unsigned)len % 256;
    if (s + n > sizeof buffer) n = sizeof buffer - s;
    uint32_t c = 0xFFFFFFFFu;
    for (unsigned i = 0; i < n; i++) {
        c = crc_table[(c ^ buffer[s + i]) & 0xF] ^ (c >> 4);
        c = crc_table[(c ^ (buffer[s + i] >> 4)) & 0xF] ^ (c >> 4);
    }
    return (int32_t)~c;
}

__attribute__((export_name("hash_mix64")))
int64_t hash_mix64(int64_t key, int32_t words) {
    const uint64_t *w = (const uint64_t *)buffer;
    uint64_t h = (uint64_t)key ^ 0xcbf29ce484222325ULL;
    unsigned n = (unsigned)words % 128;
    for (unsigned i = 0; i < n; i++) {
        uint64_t k = w[i] * 0x87c37b91114253d5ULL;
        k = (k << 31) | (k >> 33);
        h ^= k * 0x4cf5ad432745937fULL;
        h = ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
    }
    h ^= h >> 33; h *= 0xff51afd7ed558ccdULL; h ^= h >> 33;
    return (int64_t)h;
}
