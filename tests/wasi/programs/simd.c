/* SIMD in a real program: wasm_simd128.h intrinsics over every lane shape,
 * and loops that clang vectorises by itself at -O3 -msimd128. Prints every
 * result (floats as exact hex), so any lane that differs from Wasmtime shows. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasm_simd128.h>

static void show(const char *what, v128_t v) {
    uint8_t b[16];
    wasm_v128_store(b, v);
    printf("%-22s", what);
    for (int i = 0; i < 16; i++) printf("%02x", b[i]);
    printf("\n");
}

static uint8_t bytes[4096];
static float xs[1024], ys[1024];
static int32_t ints[1024];

int main(void) {
    for (int i = 0; i < 4096; i++) bytes[i] = (uint8_t)(i * 37 + (i >> 5));
    for (int i = 0; i < 1024; i++) {
        xs[i] = (float)(i % 97) * 0.37f - 11.0f;
        ys[i] = 1.0f / (float)(i + 1);
        ints[i] = (int32_t)(i * 2654435761u);
    }
    v128_t a = wasm_v128_load(bytes), b = wasm_v128_load(bytes + 16);
    show("i8x16.add_sat", wasm_i8x16_add_sat(a, b));
    show("u8x16.sub_sat", wasm_u8x16_sub_sat(a, b));
    show("u8x16.avgr", wasm_u8x16_avgr(a, b));
    show("i8x16.shuffle", wasm_i8x16_shuffle(a, b, 0, 17, 2, 19, 4, 21, 6, 23, 31, 30, 29, 28, 3, 3, 3, 3));
    show("i8x16.swizzle", wasm_i8x16_swizzle(a, b));
    show("i8x16.popcnt", wasm_i8x16_popcnt(a));
    show("i16x8.narrow", wasm_i8x16_narrow_i16x8(wasm_i16x8_mul(a, b), b));
    show("u16x8.narrow", wasm_u8x16_narrow_i16x8(a, wasm_i16x8_sub(a, b)));
    show("i16x8.q15mulr", wasm_i16x8_q15mulr_sat(a, b));
    show("i16x8.extmul", wasm_i16x8_extmul_high_i8x16(a, b));
    show("i32x4.dot", wasm_i32x4_dot_i16x8(a, b));
    show("i32x4.min", wasm_i32x4_min(a, b));
    show("u32x4.shr", wasm_u32x4_shr(a, 7));
    show("i64x2.mul", wasm_i64x2_mul(a, b));
    show("i64x2.gt", wasm_i64x2_gt(a, b));
    v128_t f = wasm_v128_load(xs + 4), g = wasm_v128_load(ys);
    show("f32x4.div", wasm_f32x4_div(f, g));
    show("f32x4.sqrt", wasm_f32x4_sqrt(f));
    show("f32x4.nearest", wasm_f32x4_nearest(wasm_f32x4_mul(f, wasm_f32x4_splat(0.5f))));
    show("f32x4.pmin", wasm_f32x4_pmin(f, g));
    show("i32x4.trunc_sat", wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_mul(f, wasm_f32x4_splat(3e8f))));
    show("f64x2.promote", wasm_f64x2_promote_low_f32x4(f));
    show("f32x4.demote", wasm_f32x4_demote_f64x2_zero(wasm_f64x2_make(1.0 / 3.0, 1e300)));
    show("f32x4.convert_u", wasm_f32x4_convert_u32x4(a));
    printf("bitmask %d all_true %d any_true %d\n", wasm_i8x16_bitmask(a), wasm_i16x8_all_true(b),
           wasm_v128_any_true(wasm_v128_and(a, b)));

    /* vectorised by clang: a dot product, saxpy, a byte histogram-ish reduction, a clamp */
    float dot = 0;
    for (int i = 0; i < 1024; i++) dot += xs[i] * ys[i];
    for (int i = 0; i < 1024; i++) ys[i] = 2.5f * xs[i] + ys[i];
    uint32_t sum = 0;
    for (int i = 0; i < 4096; i++) sum += bytes[i] ^ (bytes[(i + 1) & 4095] >> 1);
    int64_t total = 0;
    for (int i = 0; i < 1024; i++) {
        int32_t v = ints[i] >> 8;
        ints[i] = v < -100000 ? -100000 : v > 100000 ? 100000 : v;
        total += ints[i];
    }
    uint8_t mx = 0;
    for (int i = 0; i < 4096; i++) mx = bytes[i] > mx ? bytes[i] : mx;
    printf("dot %a saxpy %a %a sum %u total %lld max %u\n", dot, ys[0], ys[1023], sum, (long long)total, mx);
    return 0;
}
