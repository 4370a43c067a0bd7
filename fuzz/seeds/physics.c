/* Floating point as a simulation does it: particles in bss stepped with
   f32 and f64 arithmetic, sqrt, conversions between floats and integers
   (saturating with nontrapping-fptoint), clamping and a polynomial.

   No NaN is ever stored: the sign and payload of a NaN that arithmetic makes
   are not fixed by the spec, so two correct engines may store different bytes
   (wasm-smith's --canonicalize-nans exists for this). The time step is
   checked on entry and every coordinate is clamped, so nothing reaches
   infinity either. A NaN may still be returned: results are compared as values. */
#include <stdint.h>

typedef struct { float x, y, vx, vy; double mass; } particle;

static float clamp(float v) { return v < -1e6f ? -1e6f : v > 1e6f ? 1e6f : v; }

#define PARTICLES 8

static particle particles[PARTICLES];
static const float drag[8] = {0.999f, 0.98f, 1.0f, 0.9f, 0.995f, 0.75f, 1.0001f, 0.5f};
static const double coefficients[] = {1.0, -0.5, 0.041666666666666664, -0.001388888888888889, 2.48015873015873e-05};

__attribute__((export_name("physics_init")))
int32_t physics_init(int32_t seed) {
    uint32_t x = (uint32_t)seed * 2654435761u + 1;
    for (int i = 0; i < PARTICLES; i++) {
        x = x * 1103515245u + 12345u;
        particles[i].x = (float)(x >> 16) / 65536.0f * 100.0f;
        particles[i].y = (float)(int32_t)x / 1e7f;
        particles[i].vx = (float)((int32_t)(x >> 8) % 200 - 100) * 0.25f;
        particles[i].vy = -particles[i].vx / 3.0f;
        particles[i].mass = 1.0 + (double)(x % 1000) / 7.0;
    }
    return (int32_t)particles[seed & (PARTICLES - 1)].x;
}

__attribute__((export_name("physics_step")))
int64_t physics_step(int32_t steps, double dt) {
    unsigned n = (unsigned)steps % 12;
    double energy = 0;
    if (!(dt > -4.0 && dt < 4.0))  /* NaN too */
        dt = 0.015625;
    for (unsigned s = 0; s < n; s++) {
        for (int i = 0; i < PARTICLES; i++) {
            particle *p = &particles[i];
            float r = __builtin_sqrtf(p->x * p->x + p->y * p->y) + 1.0f;
            p->vx = clamp((p->vx - p->x / (r * r * r) * (float)dt) * drag[(s + (unsigned)i) & 7]);
            p->vy = clamp(p->vy - p->y / (r * r * r) * (float)dt);
            p->x = clamp(p->x + p->vx * (float)dt);
            p->y = clamp(p->y + p->vy * (float)dt);
            energy += 0.5 * p->mass * (double)(p->vx * p->vx + p->vy * p->vy);
        }
    }
    return (int64_t)energy;  /* saturating: past 2**63 gives the largest */
}

__attribute__((export_name("physics_poly")))
double physics_poly(double x) {
    double x2 = x * x, acc = 0;
    for (int i = 4; i >= 0; i--)
        acc = acc * x2 + coefficients[i];
    return acc + (double)(int32_t)__builtin_floor(x) - __builtin_trunc(x * 0.5) + __builtin_copysign(1.0, x);
}
