/* Floating point as a simulation does it: particles in bss stepped with
   f32 and f64 arithmetic, sqrt, conversions between floats and integers
   (saturating with nontrapping-fptoint), clamping and a polynomial. */
#include <stdint.h>

typedef struct { float x, y, vx, vy; double mass; } particle;

static particle particles[32];
static const float drag[8] = {0.999f, 0.98f, 1.0f, 0.9f, 0.995f, 0.75f, 1.0001f, 0.5f};
static const double coefficients[] = {1.0, -0.5, 0.041666666666666664, -0.001388888888888889, 2.48015873015873e-05};

__attribute__((export_name("physics_init")))
int32_t physics_init(int32_t seed) {
    uint32_t x = (uint32_t)seed * 2654435761u + 1;
    for (int i = 0; i < 32; i++) {
        x = x * 1103515245u + 12345u;
        particles[i].x = (float)(x >> 16) / 65536.0f * 100.0f;
        particles[i].y = (float)(int32_t)x / 1e7f;
        particles[i].vx = (float)((int32_t)(x >> 8) % 200 - 100) * 0.25f;
        particles[i].vy = -particles[i].vx / 3.0f;
        particles[i].mass = 1.0 + (double)(x % 1000) / 7.0;
    }
    return (int32_t)particles[seed & 31].x;
}

__attribute__((export_name("physics_step")))
int64_t physics_step(int32_t steps, double dt) {
    unsigned n = (unsigned)steps % 24;
    double energy = 0;
    for (unsigned s = 0; s < n; s++) {
        for (int i = 0; i < 32; i++) {
            particle *p = &particles[i];
            float r = __builtin_sqrtf(p->x * p->x + p->y * p->y) + 1.0f;
            p->vx -= p->x / (r * r * r) * (float)dt;
            p->vy -= p->y / (r * r * r) * (float)dt;
            p->vx *= drag[(s + (unsigned)i) & 7];
            p->x += p->vx * (float)dt;
            p->y += p->vy * (float)dt;
            p->x = p->x < -1e6f ? -1e6f : p->x > 1e6f ? 1e6f : p->x;
            energy += 0.5 * p->mass * (double)(p->vx * p->vx + p->vy * p->vy);
        }
    }
    return (int64_t)energy;  /* saturating: NaN gives 0, infinities the extremes */
}

__attribute__((export_name("physics_poly")))
double physics_poly(double x) {
    double x2 = x * x, acc = 0;
    for (int i = 4; i >= 0; i--)
        acc = acc * x2 + coefficients[i];
    return acc + (double)(int32_t)__builtin_floor(x) - __builtin_trunc(x * 0.5) + __builtin_copysign(1.0, x);
}
