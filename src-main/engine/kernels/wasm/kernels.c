/*
 * ConvLab's own wasm SIMD kernels, linked against the tfjs wasm backend's memory so they read
 * and write its tensors in place. tfjs's wasm matrix products repack the weight matrix into
 * XNNPACK's layout on every call (the weights change every training step), which kept them near
 * 7 GFLOP/s on a training step; this GEMM packs per cache block, as BLIS does, and handles
 * transposed operands while packing, so no transpose is materialised.
 *
 * Built by scripts/build-wasm-kernels.mjs (clang --target=wasm32 -msimd128), twice: plain SIMD, and
 * with -mrelaxed-simd, where the GEMM micro-kernels multiply-add in one f32x4.relaxed_madd (a fused
 * multiply-add where the CPU has one; LLVM never emits it by itself). The code must not
 * use the shadow stack or static data: the memory is the tfjs backend's, and its layout is not
 * ours. All scratch space is passed in by the caller, which allocates it with tfjs's malloc.
 */
#include <wasm_simd128.h>

#ifdef __wasm_relaxed_simd__
#if !__has_builtin(__builtin_wasm_relaxed_madd_f32x4)
/* Clang before 16 knows relaxed_madd only by its prototype name and opcode (fma, 0xaf), which no
 * shipped engine accepts: the build script renumbers each one to the standard 0x105. */
#define wasm_f32x4_relaxed_madd(a, b, c) __builtin_wasm_fma_f32x4((a), (b), (c))
#endif
/* acc + a * b, rounded once or twice as the CPU does it. */
#define MADD(acc, a, b) wasm_f32x4_relaxed_madd((a), (b), (acc))
#else
#define MADD(acc, a, b) wasm_f32x4_add((acc), wasm_f32x4_mul((a), (b)))
#endif

#define MR 6
#define NR 8
#define KC 512
#define MC 96
#define NC 1024

/** Floats of scratch `sgemm` needs. */
int sgemm_scratch_floats(void) { return MC * KC + KC * NC + MR * NR; }

static inline int min_int(int a, int b) { return a < b ? a : b; }

/* A is M x K: element (i, k) is A[i * lda + k], or A[k * lda + i] when transposed. Packed in
 * MR-row micro-panels, k-major inside each, zero-filled past the last row. */
static void pack_a(int trans, const float *A, int lda, int i0, int mc, int k0, int kc, float *dst) {
  for (int ip = 0; ip < mc; ip += MR) {
    int mr = min_int(MR, mc - ip);
    if (trans && mr == MR) {
      for (int k = 0; k < kc; k++) {
        const float *src = A + (k0 + k) * lda + i0 + ip;
        for (int r = 0; r < MR; r++) dst[r] = src[r];
        dst += MR;
      }
    } else {
      for (int k = 0; k < kc; k++) {
        for (int r = 0; r < MR; r++) {
          int i = i0 + ip + r;
          dst[r] = r < mr ? (trans ? A[(k0 + k) * lda + i] : A[i * lda + k0 + k]) : 0.0f;
        }
        dst += MR;
      }
    }
  }
}

/* B is K x N: element (k, j) is B[k * ldb + j], or B[j * ldb + k] when transposed. Packed in
 * NR-column micro-panels, k-major inside each, zero-filled past the last column. */
static void pack_b(int trans, const float *B, int ldb, int k0, int kc, int j0, int nc, float *dst) {
  for (int jp = 0; jp < nc; jp += NR) {
    int nr = min_int(NR, nc - jp);
    if (!trans && nr == NR) {
      const float *src = B + k0 * ldb + j0 + jp;
      for (int k = 0; k < kc; k++) {
        wasm_v128_store(dst, wasm_v128_load(src));
        wasm_v128_store(dst + 4, wasm_v128_load(src + 4));
        src += ldb;
        dst += NR;
      }
    } else if (trans && nr == NR) {
      for (int k = 0; k < kc; k++) {
        const float *src = B + (j0 + jp) * ldb + k0 + k;
        for (int c = 0; c < NR; c++) dst[c] = src[c * ldb];
        dst += NR;
      }
    } else {
      for (int k = 0; k < kc; k++) {
        for (int c = 0; c < NR; c++) {
          int j = j0 + jp + c;
          dst[c] = c < nr ? (trans ? B[j * ldb + k0 + k] : B[(k0 + k) * ldb + j]) : 0.0f;
        }
        dst += NR;
      }
    }
  }
}

#define ROW(r)                                                   \
  {                                                              \
    v128_t a = wasm_f32x4_splat(pa[r * rs]);                     \
    c##r##0 = MADD(c##r##0, a, b0);                              \
    c##r##1 = MADD(c##r##1, a, b1);                              \
  }

#define STORE(r)                                                                    \
  if (r < mr) {                                                                     \
    float *row = out + r * ldo;                                                     \
    if (acc) {                                                                      \
      c##r##0 = wasm_f32x4_add(c##r##0, wasm_v128_load(row));                       \
      c##r##1 = wasm_f32x4_add(c##r##1, wasm_v128_load(row + 4));                   \
    }                                                                               \
    wasm_v128_store(row, c##r##0);                                                  \
    wasm_v128_store(row + 4, c##r##1);                                              \
  }

/* A partial tile goes through `edge` so the full-width vector stores never touch memory past it. */
static void edge_in(const float *C, int ldc, int acc, int mr, int nr, float *edge) {
  for (int r = 0; r < mr; r++)
    for (int c = 0; c < NR; c++) edge[r * NR + c] = acc && c < nr ? C[r * ldc + c] : 0.0f;
}

static void edge_out(float *C, int ldc, int mr, int nr, const float *edge) {
  for (int r = 0; r < mr; r++)
    for (int c = 0; c < nr; c++) C[r * ldc + c] = edge[r * NR + c];
}

/* A's element (r, k) is pa[r * rs + k * ks]: packed panels have rs 1 and ks MR, a row-major A rs lda and ks 1. */
#define MICRO_KERNEL(ROWS, STORES)                         \
  for (int k = 0; k < kc; k++) {                           \
    v128_t b0 = wasm_v128_load(pb);                        \
    v128_t b1 = wasm_v128_load(pb + 4);                    \
    ROWS                                                   \
    pa += ks;                                              \
    pb += ldpb;                                            \
  }                                                        \
  int full = nr == NR;                                     \
  float *out = full ? C : edge;                            \
  int ldo = full ? ldc : NR;                               \
  if (!full) edge_in(C, ldc, acc, mr, nr, edge);           \
  STORES                                                   \
  if (!full) edge_out(C, ldc, mr, nr, edge);

/* C[0:mr, 0:nr] (+)= packed A panel x B panel (its rows ldpb floats apart). */
static void micro_kernel(int kc, const float *pa, const float *pb, int ldpb, float *C, int ldc, int acc, int mr, int nr, float *edge) {
  const int rs = 1, ks = MR;
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  v128_t c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  MICRO_KERNEL(ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5), STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5))
}

/* The same for a last panel of at most 4 rows: a batch of 32 leaves 2, a half batch of 16 leaves 4,
 * and the 6-row kernel would spend a third or more of that panel's work on padding. */
static void micro_kernel_4(int kc, const float *pa, const float *pb, int ldpb, float *C, int ldc, int acc, int mr, int nr, float *edge) {
  const int rs = 1, ks = MR;
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  MICRO_KERNEL(ROW(0) ROW(1) ROW(2) ROW(3), STORE(0) STORE(1) STORE(2) STORE(3))
}

/**
 * C (M x N, row stride ldc) = op(A) op(B), or C += op(A) op(B) when `accumulate` is set;
 * op transposes when trans_a / trans_b is set. `scratch` holds sgemm_scratch_floats() floats.
 */
void sgemm(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc,
           int accumulate, float *scratch) {
  float *pa = scratch;
  float *pb = scratch + MC * KC;
  float *edge = pb + KC * NC;
  if (K == 0) {
    if (!accumulate)
      for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) C[i * ldc + j] = 0.0f;
    return;
  }
  /* With one block of rows, each packed B panel would be read once more at most: packing it costs
   * more than reading the rows of a row-major B in place. Unless those rows are a multiple of 256
   * bytes apart: a panel's rows then fall in a few sets of the L1 cache and evict each other before
   * the next row panel reads them again (a dense layer of 256 units ran 1.3x slower that way). */
  int direct_b = !trans_b && M <= MC && ldb % 64 != 0;
  for (int jc = 0; jc < N; jc += NC) {
    int nc = min_int(NC, N - jc);
    for (int pc = 0; pc < K; pc += KC) {
      int kc = min_int(KC, K - pc);
      int acc = accumulate || pc > 0;
      if (!direct_b) pack_b(trans_b, B, ldb, pc, kc, jc, nc, pb);
      for (int ic = 0; ic < M; ic += MC) {
        int mc = min_int(MC, M - ic);
        pack_a(trans_a, A, lda, ic, mc, pc, kc, pa);
        for (int jr = 0; jr < nc; jr += NR) {
          int nr = min_int(NR, nc - jr);
          const float *panel = pb + jr * kc;
          int ldpb = NR;
          if (direct_b && nr == NR) {
            panel = B + pc * ldb + jc + jr;
            ldpb = ldb;
          } else if (direct_b) {
            pack_b(0, B, ldb, pc, kc, jc + jr, nr, pb);
            panel = pb;
          }
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = min_int(MR, mc - ir);
            float *tile = C + (ic + ir) * ldc + jc + jr;
            if (mr <= 4)
              micro_kernel_4(kc, pa + ir * kc, panel, ldpb, tile, ldc, acc, mr, nr, edge);
            else
              micro_kernel(kc, pa + ir * kc, panel, ldpb, tile, ldc, acc, mr, nr, edge);
          }
        }
      }
    }
  }
}

/** Adds `bias` (N floats; 0 for none) to every row of C (M x N), then ReLU when `relu` is set. */
void bias_relu(float *C, int M, int N, const float *bias, int relu) {
  v128_t zero = wasm_f32x4_splat(0);
  for (int i = 0; i < M; i++) {
    float *row = C + i * N;
    int j = 0;
    for (; j + 4 <= N; j += 4) {
      v128_t v = wasm_v128_load(row + j);
      if (bias) v = wasm_f32x4_add(v, wasm_v128_load(bias + j));
      if (relu) v = wasm_f32x4_max(v, zero);
      wasm_v128_store(row + j, v);
    }
    for (; j < N; j++) {
      float v = row[j] + (bias ? bias[j] : 0.0f);
      row[j] = relu && v < 0.0f ? 0.0f : v;
    }
  }
}

/* Taps (kernel cells) per K block of conv2d_forward: whole taps of c channels, about KC floats in all. */
static inline int conv_taps_per_block(int c) { return c >= KC ? 1 : KC / c; }

/** Floats of scratch conv2d_forward needs for a kh x kw x c -> cout filter. */
int conv2d_scratch_floats(int kh, int kw, int c, int cout) {
  int k = kh * kw * c;
  int kc = min_int(k, conv_taps_per_block(c) * c);
  int npad = (cout + NR - 1) / NR * NR;
  /* packed filter, one block of packed patches, the edge tile, a row of zeros, and 4 ints per panel row */
  return npad * k + MC * kc + MR * NR + c + 4 * MR;
}

/*
 * Packs the patches of output rows [m0, m0 + mc) for taps [t0, t0 + nt) straight from NHWC x into
 * MR-row micro-panels, k-major inside each (the layout pack_a gives), so no patch matrix is built.
 * A cell in the padding, and a row past the last, reads `zeros`.
 */
static void pack_patches(const float *x, int h, int w, int c, int kw, int sh, int sw, int pad_top, int pad_left, int oh, int ow,
                         int m0, int mc, int t0, int nt, const float *zeros, int *rows, float *dst) {
  int kc = nt * c;
  for (int ip = 0; ip < mc; ip += MR) {
    int mr = min_int(MR, mc - ip);
    /* rows[4r..4r+3]: the row's image offset, top input row, left input column, and whether it exists. */
    for (int r = 0; r < MR; r++) {
      int m = m0 + ip + min_int(r, mr - 1);
      int b = m / (oh * ow), rem = m - b * oh * ow;
      int oy = rem / ow, ox = rem - oy * ow;
      rows[4 * r] = b * h * w * c;
      rows[4 * r + 1] = oy * sh - pad_top;
      rows[4 * r + 2] = ox * sw - pad_left;
      rows[4 * r + 3] = r < mr;
    }
    for (int t = 0; t < nt; t++) {
      int i = (t0 + t) / kw, j = (t0 + t) - (t0 + t) / kw * kw;
      float *d = dst + t * c * MR;
      for (int r = 0; r < MR; r++) {
        int y = rows[4 * r + 1] + i, xx = rows[4 * r + 2] + j;
        const float *s = rows[4 * r + 3] && y >= 0 && y < h && xx >= 0 && xx < w ? x + rows[4 * r] + (y * w + xx) * c : zeros;
        for (int ch = 0; ch < c; ch++) d[ch * MR + r] = s[ch];
      }
    }
    dst += MR * kc;
  }
}

/**
 * A forward convolution of NHWC x (n, h, w, c) by an HWIO filter (kh, kw, c, cout) into y
 * (n, oh, ow, cout), plus bias (0: none) and then ReLU when `relu` is set: the GEMM of the patch
 * matrix and the filter, with the patches packed block by block from x (never built whole) and
 * the filter packed once per call. `scratch` holds conv2d_scratch_floats() floats.
 */
void conv2d_forward(const float *x, int n, int h, int w, int c, const float *filter, int kh, int kw, int cout, int sh, int sw, int pad_top,
                    int pad_left, int oh, int ow, const float *bias, int relu, float *y, float *scratch) {
  int taps = kh * kw, k = taps * c, tpb = conv_taps_per_block(c);
  int npad = (cout + NR - 1) / NR * NR;
  int kc_max = min_int(k, tpb * c);
  float *pb = scratch;
  float *pa = pb + npad * k;
  float *edge = pa + MC * kc_max;
  float *zeros = edge + MR * NR;
  int *rows = (int *)(zeros + c);
  int m_total = n * oh * ow;
  if (m_total == 0 || cout == 0) return;
  for (int ch = 0; ch < c; ch++) zeros[ch] = 0.0f;
  for (int t0 = 0; t0 < taps; t0 += tpb) pack_b(0, filter, cout, t0 * c, min_int(tpb, taps - t0) * c, 0, cout, pb + t0 * c * npad);
  for (int ic = 0; ic < m_total; ic += MC) {
    int mc = min_int(MC, m_total - ic);
    for (int t0 = 0; t0 < taps; t0 += tpb) {
      int nt = min_int(tpb, taps - t0), kc = nt * c;
      const float *block = pb + t0 * c * npad;
      pack_patches(x, h, w, c, kw, sh, sw, pad_top, pad_left, oh, ow, ic, mc, t0, nt, zeros, rows, pa);
      for (int jr = 0; jr < cout; jr += NR) {
        int nr = min_int(NR, cout - jr);
        for (int ir = 0; ir < mc; ir += MR) {
          int mr = min_int(MR, mc - ir);
          float *tile = y + (ic + ir) * cout + jr;
          if (mr <= 4)
            micro_kernel_4(kc, pa + ir * kc, block + jr * kc, NR, tile, cout, t0 > 0, mr, nr, edge);
          else
            micro_kernel(kc, pa + ir * kc, block + jr * kc, NR, tile, cout, t0 > 0, mr, nr, edge);
        }
      }
    }
    if (bias || relu) bias_relu(y + ic * cout, mc, cout, bias, relu);
  }
}

/* The same 6 x 8 tile with A row-major (row r at pa + r * lda): rows past mr must be readable (and should be zeros). */
static void micro_kernel_rows(int kc, const float *pa, int lda, const float *pb, float *C, int ldc, int mr, int nr, float *edge) {
  const int rs = lda, ks = 1, ldpb = NR, acc = 0;
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  v128_t c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  MICRO_KERNEL(ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5), STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5))
}

/* The GEMMs of a block of mt tiles (wt apart) for each of the transform's `elements`:
 * prod[e] (mt x cout) = in[e] (mt x c) times the transformed filter's pb[e] (c x cout, packed). */
static void winograd_products(int elements, int wt, int mt, int c, int cout, const float *in, const float *pb, float *prod, float *edge) {
  int npad = (cout + NR - 1) / NR * NR;
  for (int e = 0; e < elements; e++)
    for (int jr = 0; jr < cout; jr += NR)
      for (int ir = 0; ir < mt; ir += MR)
        micro_kernel_rows(c, in + e * wt * c + ir * c, c, pb + e * c * npad + jr * c, prod + e * wt * cout + ir * cout + jr, cout, min_int(MR, mt - ir),
                          min_int(NR, cout - jr), edge);
}

/* Winograd F(2x2, 3x3) tiles per block: their transformed inputs and products stay in cache. A multiple of MR. */
#define WT 96

static inline int round_up(int v, int to) { return (v + to - 1) / to * to; }

/** Floats of scratch conv2d_winograd needs for c -> cout channels. */
int winograd_scratch_floats(int c, int cout) {
  /* the transformed filter packed, the transformed inputs and the products of one block, the edge tile, a row of zeros */
  return 16 * c * round_up(cout, NR) + 16 * WT * c + 16 * WT * cout + MR * NR + round_up(c, 4);
}

/*
 * U = G g G^T for every (ci, co), written where pack_b puts B's element (ci, co) for the 16 GEMMs.
 * G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]. With `flip`, g is the filter of an input gradient:
 * `filter` is (3, 3, cout, c), read rotated by 180 degrees with its channel axes swapped.
 */
static void winograd_filter(const float *filter, int c, int cout, int flip, float *pb) {
  int npad = round_up(cout, NR);
  __builtin_memset(pb, 0, (unsigned long)16 * c * npad * sizeof(float));
  for (int ci = 0; ci < c; ci++)
    for (int co = 0; co < cout; co++) {
      float g[3][3], t[4][3];
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) g[i][j] = flip ? filter[(((2 - i) * 3 + 2 - j) * cout + co) * c + ci] : filter[((i * 3 + j) * c + ci) * cout + co];
      for (int j = 0; j < 3; j++) {
        t[0][j] = g[0][j];
        t[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
        t[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
        t[3][j] = g[2][j];
      }
      float *at = pb + (co / NR * NR) * c + ci * NR + co % NR;
      for (int a = 0; a < 4; a++) {
        at[(a * 4 + 0) * c * npad] = t[a][0];
        at[(a * 4 + 1) * c * npad] = 0.5f * (t[a][0] + t[a][1] + t[a][2]);
        at[(a * 4 + 2) * c * npad] = 0.5f * (t[a][0] - t[a][1] + t[a][2]);
        at[(a * 4 + 3) * c * npad] = t[a][2];
      }
    }
}

/* V = B^T d B on four channels at once (B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]); v[e] goes to out[e * estride]. */
#define WINOGRAD_INPUT(T, LOAD, STORE, ADD, SUB)                                                        \
  {                                                                                                     \
    T d[4][4], t[4][4];                                                                                 \
    for (int r = 0; r < 4; r++)                                                                         \
      for (int q = 0; q < 4; q++) d[r][q] = LOAD(p[r][q] + ch);                                         \
    for (int q = 0; q < 4; q++) {                                                                       \
      t[0][q] = SUB(d[0][q], d[2][q]);                                                                  \
      t[1][q] = ADD(d[1][q], d[2][q]);                                                                  \
      t[2][q] = SUB(d[2][q], d[1][q]);                                                                  \
      t[3][q] = SUB(d[1][q], d[3][q]);                                                                  \
    }                                                                                                   \
    for (int a = 0; a < 4; a++) {                                                                       \
      STORE(out + (a * 4 + 0) * estride + ch, SUB(t[a][0], t[a][2]));                                   \
      STORE(out + (a * 4 + 1) * estride + ch, ADD(t[a][1], t[a][2]));                                   \
      STORE(out + (a * 4 + 2) * estride + ch, SUB(t[a][2], t[a][1]));                                   \
      STORE(out + (a * 4 + 3) * estride + ch, SUB(t[a][1], t[a][3]));                                   \
    }                                                                                                   \
  }

/* Y = A^T m A (A^T = [1 1 1 0; 0 1 -1 -1]) on four output channels at once, plus bias, then ReLU; only cells inside the output are stored. */
#define WINOGRAD_OUTPUT(T, LOAD, STORE, ADD, SUB, BIAS, RELU)                                           \
  {                                                                                                     \
    T m[4][4], s0[4], s1[4];                                                                            \
    for (int a = 0; a < 4; a++)                                                                         \
      for (int q = 0; q < 4; q++) m[a][q] = LOAD(pt + (a * 4 + q) * WT * cout + co);                    \
    for (int q = 0; q < 4; q++) {                                                                       \
      s0[q] = ADD(ADD(m[0][q], m[1][q]), m[2][q]);                                                      \
      s1[q] = SUB(SUB(m[1][q], m[2][q]), m[3][q]);                                                      \
    }                                                                                                   \
    T bv = BIAS;                                                                                        \
    T y00 = RELU(ADD(ADD(ADD(s0[0], s0[1]), s0[2]), bv)), y01 = RELU(ADD(SUB(SUB(s0[1], s0[2]), s0[3]), bv)); \
    T y10 = RELU(ADD(ADD(ADD(s1[0], s1[1]), s1[2]), bv)), y11 = RELU(ADD(SUB(SUB(s1[1], s1[2]), s1[3]), bv)); \
    STORE(yt + co, y00);                                                                                \
    if (right) STORE(yt + cout + co, y01);                                                              \
    if (below) {                                                                                        \
      STORE(yt + ow * cout + co, y10);                                                                  \
      if (right) STORE(yt + (ow + 1) * cout + co, y11);                                                 \
    }                                                                                                   \
  }

#define V_LOAD(p) wasm_v128_load(p)
#define V_STORE(p, v) wasm_v128_store((p), (v))
#define S_LOAD(p) (*(p))
#define S_STORE(p, v) (*(p) = (v))
#define S_ADD(a, b) ((a) + (b))
#define S_SUB(a, b) ((a) - (b))
#define S_MUL(a, b) ((a) * (b))

/*
 * V = B^T d B of tiles [m0, m0 + mt) of NHWC x (th x tw tiles per image, padded as conv2d_winograd
 * says) into in[e][t][c] (WT tiles per e); tiles from mt up to `rows` are zeros. `zeros` holds c zeros.
 */
static void winograd_inputs(const float *x, int h, int w, int c, int pad_top, int pad_left, int th, int tw, int m0, int mt, int rows, const float *zeros,
                            float *in) {
  int estride = WT * c;
  for (int t = 0; t < rows; t++) {
    float *out = in + t * c;
    if (t >= mt) {
      for (int e = 0; e < 16; e++) __builtin_memset(out + e * estride, 0, (unsigned long)c * sizeof(float));
      continue;
    }
    int m = m0 + t, b = m / (th * tw), rem = m - b * th * tw, ty = rem / tw, tx = rem - ty * tw;
    const float *p[4][4];
    for (int r = 0; r < 4; r++)
      for (int q = 0; q < 4; q++) {
        int iy = 2 * ty - pad_top + r, ix = 2 * tx - pad_left + q;
        p[r][q] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x + ((b * h + iy) * w + ix) * c : zeros;
      }
    int ch = 0;
    for (; ch + 4 <= c; ch += 4) WINOGRAD_INPUT(v128_t, V_LOAD, V_STORE, wasm_f32x4_add, wasm_f32x4_sub)
    for (; ch < c; ch++) WINOGRAD_INPUT(float, S_LOAD, S_STORE, S_ADD, S_SUB)
  }
}

/**
 * A 3 x 3, stride-1 convolution of NHWC x by an HWIO filter, by Winograd's F(2x2, 3x3): each 2 x 2
 * block of outputs (a tile) costs 16 multiplies per channel pair instead of 36, as 16 GEMMs of
 * (tiles x c) by (c x cout) between an input and an output transform. Padding as in conv2d_forward;
 * bias (0: none) and ReLU as there. With `flip`, the filter is read as winograd_filter says: x is
 * then dy and y dx of a 3 x 3 stride-1 convolution, padded by 2 - its padding. `scratch` holds
 * winograd_scratch_floats() floats.
 */
void conv2d_winograd(const float *x, int n, int h, int w, int c, const float *filter, int flip, int cout, int pad_top, int pad_left, int oh, int ow,
                     const float *bias, int relu, float *y, float *scratch) {
  int npad = round_up(cout, NR);
  int th = (oh + 1) / 2, tw = (ow + 1) / 2, tiles = n * th * tw;
  float *pb = scratch;
  float *in = pb + 16 * c * npad;
  float *prod = in + 16 * WT * c;
  float *edge = prod + 16 * WT * cout;
  float *zeros = edge + MR * NR;
  if (tiles == 0 || cout == 0) return;
  __builtin_memset(zeros, 0, (unsigned long)round_up(c, 4) * sizeof(float));
  winograd_filter(filter, c, cout, flip, pb);
  v128_t vzero = wasm_f32x4_splat(0);
  for (int m0 = 0; m0 < tiles; m0 += WT) {
    int mt = min_int(WT, tiles - m0);
    winograd_inputs(x, h, w, c, pad_top, pad_left, th, tw, m0, mt, round_up(mt, MR), zeros, in);
    winograd_products(16, WT, mt, c, cout, in, pb, prod, edge);
    for (int t = 0; t < mt; t++) {
      int m = m0 + t, b = m / (th * tw), rem = m - b * th * tw, ty = rem / tw, tx = rem - ty * tw;
      float *yt = y + ((b * oh + 2 * ty) * ow + 2 * tx) * cout;
      const float *pt = prod + t * cout;
      int right = 2 * tx + 1 < ow, below = 2 * ty + 1 < oh;
      int co = 0;
#define V_RELU(v) (relu ? wasm_f32x4_max((v), vzero) : (v))
#define S_RELU(v) (relu && (v) < 0.0f ? 0.0f : (v))
      for (; co + 4 <= cout; co += 4)
        WINOGRAD_OUTPUT(v128_t, V_LOAD, V_STORE, wasm_f32x4_add, wasm_f32x4_sub, bias ? wasm_v128_load(bias + co) : vzero, V_RELU)
      for (; co < cout; co++) WINOGRAD_OUTPUT(float, S_LOAD, S_STORE, S_ADD, S_SUB, bias ? bias[co] : 0.0f, S_RELU)
#undef V_RELU
#undef S_RELU
    }
  }
}

/* Winograd F(4x4, 3x3) tiles per block: 36 transformed inputs and products of 48 tiles of seed-cnn's
 * 64 -> 128 channels (a third of a MB) stay in a Zen 3 core's 512 KB L2. A multiple of MR. */
#define WT4 48

/** Floats of scratch conv2d_winograd4 needs for c -> cout channels. */
int winograd4_scratch_floats(int c, int cout) {
  return 36 * c * round_up(cout, NR) + 36 * WT4 * c + 36 * WT4 * cout + MR * NR + round_up(c, 4);
}

#define V_SPLAT(v) wasm_f32x4_splat(v)
#define S_CONST(v) (v)

/* G applied to three values (G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]). */
#define WINOGRAD4_G(T, v, g0, g1, g2, ADD, SUB, MUL, K)                  \
  {                                                                     \
    T s02 = ADD(g0, g2), q = MUL(K(1.0f / 24.0f), ADD(g0, MUL(K(4.0f), g2))); \
    v[0] = MUL(K(0.25f), g0);                                           \
    v[1] = MUL(K(-1.0f / 6.0f), ADD(s02, g1));                          \
    v[2] = MUL(K(-1.0f / 6.0f), SUB(s02, g1));                          \
    v[3] = ADD(q, MUL(K(1.0f / 12.0f), g1));                            \
    v[4] = SUB(q, MUL(K(1.0f / 12.0f), g1));                            \
    v[5] = g2;                                                          \
  }

/* U = G g G^T of four output channels of input channel ci at once, stored where pack_b puts them. */
#define WINOGRAD4_FILTER(T, LOAD, STORE, ADD, SUB, MUL, K)               \
  {                                                                     \
    T t[6][3];                                                          \
    _Pragma("clang loop unroll(full)") for (int j = 0; j < 3; j++) {    \
      T v[6];                                                           \
      WINOGRAD4_G(T, v, LOAD(filter + ((0 * 3 + j) * c + ci) * cout + co), LOAD(filter + ((1 * 3 + j) * c + ci) * cout + co), \
                  LOAD(filter + ((2 * 3 + j) * c + ci) * cout + co), ADD, SUB, MUL, K) \
      _Pragma("clang loop unroll(full)") for (int a = 0; a < 6; a++) t[a][j] = v[a]; \
    }                                                                   \
    float *at = pb + (co / NR * NR) * c + ci * NR + co % NR;            \
    _Pragma("clang loop unroll(full)") for (int a = 0; a < 6; a++) {    \
      T v[6];                                                           \
      WINOGRAD4_G(T, v, t[a][0], t[a][1], t[a][2], ADD, SUB, MUL, K)    \
      _Pragma("clang loop unroll(full)") for (int b = 0; b < 6; b++) STORE(at + (a * 6 + b) * c * npad, v[b]); \
    }                                                                   \
  }

/* U = G g G^T for every (ci, co), placed as winograd_filter places F(2x2)'s, for the 36 GEMMs; four
 * output channels at once (a panel of NR holds two such groups side by side). */
static void winograd4_filter(const float *filter, int c, int cout, float *pb) {
  int npad = round_up(cout, NR);
  __builtin_memset(pb, 0, (unsigned long)36 * c * npad * sizeof(float));
  for (int ci = 0; ci < c; ci++) {
    int co = 0;
    for (; co + 4 <= cout; co += 4) WINOGRAD4_FILTER(v128_t, V_LOAD, V_STORE, wasm_f32x4_add, wasm_f32x4_sub, wasm_f32x4_mul, V_SPLAT)
    for (; co < cout; co++) WINOGRAD4_FILTER(float, S_LOAD, S_STORE, S_ADD, S_SUB, S_MUL, S_CONST)
  }
}

/* B^T applied to six values (B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]). */
#define WINOGRAD4_BT(T, v, d, ADD, SUB, MUL, K)                          \
  {                                                                     \
    T four = K(4.0f), five = K(5.0f), two = K(2.0f);                    \
    v[0] = ADD(SUB(MUL(four, d[0]), MUL(five, d[2])), d[4]);            \
    v[1] = SUB(ADD(d[3], d[4]), MUL(four, ADD(d[1], d[2])));            \
    v[2] = ADD(MUL(four, SUB(d[1], d[2])), SUB(d[4], d[3]));            \
    v[3] = ADD(MUL(two, SUB(d[3], d[1])), SUB(d[4], d[2]));             \
    v[4] = ADD(MUL(two, SUB(d[1], d[3])), SUB(d[4], d[2]));             \
    v[5] = ADD(SUB(MUL(four, d[1]), MUL(five, d[3])), d[5]);            \
  }

/* V = B^T d B of one 6 x 6 input tile, four channels at once; v[e] goes to out[e * estride]. */
#define WINOGRAD4_INPUT(T, LOAD, STORE, ADD, SUB, MUL, K)                \
  {                                                                     \
    T t[6][6];                                                          \
    _Pragma("clang loop unroll(full)") for (int q = 0; q < 6; q++) {                                       \
      T d[6], v[6];                                                     \
      _Pragma("clang loop unroll(full)") for (int r = 0; r < 6; r++) d[r] = LOAD(p[r][q] + ch);            \
      WINOGRAD4_BT(T, v, d, ADD, SUB, MUL, K)                           \
      _Pragma("clang loop unroll(full)") for (int a = 0; a < 6; a++) t[a][q] = v[a];                       \
    }                                                                   \
    _Pragma("clang loop unroll(full)") for (int a = 0; a < 6; a++) {                                       \
      T v[6];                                                           \
      WINOGRAD4_BT(T, v, t[a], ADD, SUB, MUL, K)                        \
      _Pragma("clang loop unroll(full)") for (int b = 0; b < 6; b++) STORE(out + (a * 6 + b) * estride + ch, v[b]); \
    }                                                                   \
  }

/* A^T applied to six values (A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]). */
#define WINOGRAD4_AT(T, y, m, ADD, SUB, MUL, K)                          \
  {                                                                     \
    T s12 = ADD(m[1], m[2]), d12 = SUB(m[1], m[2]), s34 = ADD(m[3], m[4]), d34 = SUB(m[3], m[4]); \
    y[0] = ADD(ADD(m[0], s12), s34);                                    \
    y[1] = ADD(d12, MUL(K(2.0f), d34));                                 \
    y[2] = ADD(s12, MUL(K(4.0f), s34));                                 \
    y[3] = ADD(ADD(d12, MUL(K(8.0f), d34)), m[5]);                      \
  }

/* Y = A^T m A plus bias, then ReLU, four output channels at once; only cells inside the output are stored. */
#define WINOGRAD4_OUTPUT(T, LOAD, STORE, ADD, SUB, MUL, K, BIAS, RELU)   \
  {                                                                     \
    T s[4][6];                                                          \
    _Pragma("clang loop unroll(full)") for (int q = 0; q < 6; q++) {                                       \
      T m[6], y[4];                                                     \
      _Pragma("clang loop unroll(full)") for (int a = 0; a < 6; a++) m[a] = LOAD(pt + (a * 6 + q) * WT4 * cout + co); \
      WINOGRAD4_AT(T, y, m, ADD, SUB, MUL, K)                           \
      _Pragma("clang loop unroll(full)") for (int a = 0; a < 4; a++) s[a][q] = y[a];                       \
    }                                                                   \
    T bv = BIAS;                                                        \
    _Pragma("clang loop unroll(full)") for (int a = 0; a < 4; a++) {                                       \
      T y[4];                                                           \
      WINOGRAD4_AT(T, y, s[a], ADD, SUB, MUL, K)                        \
      _Pragma("clang loop unroll(full)") for (int b = 0; b < 4; b++)     \
        if (a < rows && b < cols) STORE(yt + (a * ow + b) * cout + co, RELU(ADD(y[b], bv))); \
    }                                                                   \
  }

/* The 6 x 6 input tiles [m0, m0 + mt) of NHWC x (th x tw tiles per image) into in[e][t][c], WT4 tiles per e; tiles from mt up to `rows` are zeros. */
static void winograd4_inputs(const float *x, int h, int w, int c, int pad_top, int pad_left, int th, int tw, int m0, int mt, int rows, const float *zeros,
                             float *in) {
  int estride = WT4 * c;
  for (int t = 0; t < rows; t++) {
    float *out = in + t * c;
    if (t >= mt) {
      for (int e = 0; e < 36; e++) __builtin_memset(out + e * estride, 0, (unsigned long)c * sizeof(float));
      continue;
    }
    int m = m0 + t, b = m / (th * tw), rem = m - b * th * tw, ty = rem / tw, tx = rem - ty * tw;
    const float *p[6][6];
    _Pragma("clang loop unroll(full)") for (int r = 0; r < 6; r++)
      _Pragma("clang loop unroll(full)") for (int q = 0; q < 6; q++) {
        int iy = 4 * ty - pad_top + r, ix = 4 * tx - pad_left + q;
        p[r][q] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x + ((b * h + iy) * w + ix) * c : zeros;
      }
    int ch = 0;
    for (; ch + 4 <= c; ch += 4) WINOGRAD4_INPUT(v128_t, V_LOAD, V_STORE, wasm_f32x4_add, wasm_f32x4_sub, wasm_f32x4_mul, V_SPLAT)
    for (; ch < c; ch++) WINOGRAD4_INPUT(float, S_LOAD, S_STORE, S_ADD, S_SUB, S_MUL, S_CONST)
  }
}

/**
 * The same convolution as conv2d_winograd (3 x 3, stride 1, NHWC x, HWIO filter, padding, bias,
 * ReLU) by Winograd's F(4x4, 3x3): a 4 x 4 block of outputs costs 36 multiplies per channel pair
 * where F(2x2, 3x3) spends 64 on the same block and the direct sum 144, as 36 GEMMs of
 * (tiles x c) by (c x cout). Its transforms' larger constants round further (relative error near
 * 1e-6 instead of 1e-7), which is why only inference runs it: a training step keeps F(2x2, 3x3).
 * `scratch` holds winograd4_scratch_floats() floats.
 */
void conv2d_winograd4(const float *x, int n, int h, int w, int c, const float *filter, int cout, int pad_top, int pad_left, int oh, int ow,
                      const float *bias, int relu, float *y, float *scratch) {
  int npad = round_up(cout, NR);
  int th = (oh + 3) / 4, tw = (ow + 3) / 4, tiles = n * th * tw;
  float *pb = scratch;
  float *in = pb + 36 * c * npad;
  float *prod = in + 36 * WT4 * c;
  float *edge = prod + 36 * WT4 * cout;
  float *zeros = edge + MR * NR;
  if (tiles == 0 || cout == 0) return;
  __builtin_memset(zeros, 0, (unsigned long)round_up(c, 4) * sizeof(float));
  winograd4_filter(filter, c, cout, pb);
  v128_t vzero = wasm_f32x4_splat(0);
  for (int m0 = 0; m0 < tiles; m0 += WT4) {
    int mt = min_int(WT4, tiles - m0);
    winograd4_inputs(x, h, w, c, pad_top, pad_left, th, tw, m0, mt, round_up(mt, MR), zeros, in);
    winograd_products(36, WT4, mt, c, cout, in, pb, prod, edge);
    for (int t = 0; t < mt; t++) {
      int m = m0 + t, b = m / (th * tw), rem = m - b * th * tw, ty = rem / tw, tx = rem - ty * tw;
      float *yt = y + ((b * oh + 4 * ty) * ow + 4 * tx) * cout;
      const float *pt = prod + t * cout;
      int rows = min_int(4, oh - 4 * ty), cols = min_int(4, ow - 4 * tx);
      int co = 0;
#define V_RELU(v) (relu ? wasm_f32x4_max((v), vzero) : (v))
#define S_RELU(v) (relu && (v) < 0.0f ? 0.0f : (v))
      for (; co + 4 <= cout; co += 4)
        WINOGRAD4_OUTPUT(v128_t, V_LOAD, V_STORE, wasm_f32x4_add, wasm_f32x4_sub, wasm_f32x4_mul, V_SPLAT, bias ? wasm_v128_load(bias + co) : vzero, V_RELU)
      for (; co < cout; co++) WINOGRAD4_OUTPUT(float, S_LOAD, S_STORE, S_ADD, S_SUB, S_MUL, S_CONST, bias ? bias[co] : 0.0f, S_RELU)
#undef V_RELU
#undef S_RELU
    }
  }
}

/* dM = A dY A^T (A = [1 0; 1 1; 1 -1; 0 -1]) of one 2 x 2 block of dy, four channels at once; dm[e] goes to out[e * estride]. */
#define WINOGRAD_DY(T, LOAD, STORE, ADD, SUB)                                                           \
  {                                                                                                     \
    T d0[2] = {LOAD(q[0][0] + co), LOAD(q[0][1] + co)}, d1[2] = {LOAD(q[1][0] + co), LOAD(q[1][1] + co)}; \
    T t[4][2];                                                                                          \
    for (int j = 0; j < 2; j++) {                                                                       \
      t[0][j] = d0[j];                                                                                  \
      t[1][j] = ADD(d0[j], d1[j]);                                                                      \
      t[2][j] = SUB(d0[j], d1[j]);                                                                      \
      t[3][j] = SUB(zero, d1[j]);                                                                       \
    }                                                                                                   \
    for (int a = 0; a < 4; a++) {                                                                       \
      STORE(out + (a * 4 + 0) * estride + co, t[a][0]);                                                 \
      STORE(out + (a * 4 + 1) * estride + co, ADD(t[a][0], t[a][1]));                                   \
      STORE(out + (a * 4 + 2) * estride + co, SUB(t[a][0], t[a][1]));                                   \
      STORE(out + (a * 4 + 3) * estride + co, SUB(zero, t[a][1]));                                      \
    }                                                                                                   \
  }

/* dg = G^T dU G of four (ci, co) pairs at once: u[e] is dU's element e, written to dw's 3 x 3 taps (tap stride `tap`). */
#define WINOGRAD_DW(T, LOAD, STORE, ADD, SUB, MUL, HALF)                                                \
  {                                                                                                     \
    T u[4][4], s[3][4];                                                                                 \
    for (int a = 0; a < 4; a++)                                                                         \
      for (int q = 0; q < 4; q++) u[a][q] = LOAD(acc + (a * 4 + q) * c * cout + ci * cout + co);        \
    for (int q = 0; q < 4; q++) {                                                                       \
      T sum = MUL(ADD(u[1][q], u[2][q]), HALF);                                                         \
      s[0][q] = ADD(u[0][q], sum);                                                                      \
      s[1][q] = MUL(SUB(u[1][q], u[2][q]), HALF);                                                       \
      s[2][q] = ADD(sum, u[3][q]);                                                                      \
    }                                                                                                   \
    for (int i = 0; i < 3; i++) {                                                                       \
      T sum = MUL(ADD(s[i][1], s[i][2]), HALF);                                                         \
      float *at = dw + (i * 3 * c + ci) * cout + co;                                                    \
      STORE(at, ADD(s[i][0], sum));                                                                     \
      STORE(at + tap, MUL(SUB(s[i][1], s[i][2]), HALF));                                                \
      STORE(at + 2 * tap, ADD(sum, s[i][3]));                                                           \
    }                                                                                                   \
  }

/* Floats between dM's rows: 4 more than needed, so the GEMM's in-place reads of them (sgemm's
 * direct_b) are not a power of two apart (seed-cnn's 128 channels: 7.2 against 9.2 ms). */
#define DM_STRIDE(cout) (round_up(cout, 4) + 4)

/** Floats of scratch conv2d_winograd_filter_grad needs for c -> cout channels (besides the GEMM's own). */
int winograd_filter_grad_scratch_floats(int c, int cout) {
  /* the transformed inputs and output gradients of one block, the 16 sums, and a row of zeros */
  return 16 * WT * c + 16 * WT * DM_STRIDE(cout) + 16 * c * cout + round_up(c > cout ? c : cout, 4);
}

/**
 * The filter gradient of conv2d_winograd's convolution (no flip): dw (3, 3, c, cout) = the sum over
 * every output position of x's patch times dy, with x (n, h, w, c) padded as there and dy
 * (n, oh, ow, cout). Through the same transforms: dU[e] = sum over tiles of V[e]^T dM[e], 16 GEMMs
 * (c x tiles) by (tiles x cout) accumulated block by block, then dw = G^T dU G; outputs of a tile
 * past the edge have no gradient (zeros in dM). 16 multiplies per tile and channel pair instead of
 * the patch GEMM's 36. `scratch` holds winograd_filter_grad_scratch_floats() floats, `gemm_scratch`
 * sgemm_scratch_floats().
 */
void conv2d_winograd_filter_grad(const float *x, int n, int h, int w, int c, const float *dy, int cout, int pad_top, int pad_left, int oh, int ow, float *dw,
                                 float *scratch, float *gemm_scratch) {
  int th = (oh + 1) / 2, tw = (ow + 1) / 2, tiles = n * th * tw;
  float *in = scratch;
  float *dm = in + 16 * WT * c;
  float *acc = dm + 16 * WT * DM_STRIDE(cout);
  float *zeros = acc + 16 * c * cout;
  if (c == 0 || cout == 0) return;
  if (tiles == 0) {
    __builtin_memset(dw, 0, (unsigned long)9 * c * cout * sizeof(float));
    return;
  }
  __builtin_memset(zeros, 0, (unsigned long)round_up(c > cout ? c : cout, 4) * sizeof(float));
  v128_t vzero = wasm_f32x4_splat(0);
  int ldm = DM_STRIDE(cout), estride = WT * ldm;
  for (int m0 = 0; m0 < tiles; m0 += WT) {
    int mt = min_int(WT, tiles - m0);
    winograd_inputs(x, h, w, c, pad_top, pad_left, th, tw, m0, mt, mt, zeros, in);
    for (int t = 0; t < mt; t++) {
      int m = m0 + t, b = m / (th * tw), rem = m - b * th * tw, ty = rem / tw, tx = rem - ty * tw;
      const float *q[2][2];
      for (int r = 0; r < 2; r++)
        for (int s = 0; s < 2; s++) q[r][s] = 2 * ty + r < oh && 2 * tx + s < ow ? dy + ((b * oh + 2 * ty + r) * ow + 2 * tx + s) * cout : zeros;
      float *out = dm + t * ldm;
      int co = 0;
      {
        v128_t zero = vzero;
        for (; co + 4 <= cout; co += 4) WINOGRAD_DY(v128_t, V_LOAD, V_STORE, wasm_f32x4_add, wasm_f32x4_sub)
      }
      {
        float zero = 0.0f;
        for (; co < cout; co++) WINOGRAD_DY(float, S_LOAD, S_STORE, S_ADD, S_SUB)
      }
    }
    for (int e = 0; e < 16; e++)
      sgemm(1, 0, c, cout, mt, in + e * WT * c, c, dm + e * estride, ldm, acc + e * c * cout, cout, m0 > 0, gemm_scratch);
  }
  int tap = c * cout;
  v128_t vhalf = wasm_f32x4_splat(0.5f);
  for (int ci = 0; ci < c; ci++) {
    int co = 0;
    for (; co + 4 <= cout; co += 4) WINOGRAD_DW(v128_t, V_LOAD, V_STORE, wasm_f32x4_add, wasm_f32x4_sub, wasm_f32x4_mul, vhalf)
    for (; co < cout; co++) WINOGRAD_DW(float, S_LOAD, S_STORE, S_ADD, S_SUB, S_MUL, 0.5f)
  }
}

/**
 * The patches a convolution reads, one row per output position (n, oh, ow) and one column per
 * (kh, kw, c), from NHWC `x`; cells in the padding read 0. With this matrix a filter gradient is
 * one GEMM: dW[(kh, kw, c), co] = sum over rows of col^T dy.
 */
void im2col(const float *x, int n, int h, int w, int c, int kh, int kw, int sh, int sw, int pad_top, int pad_left, int oh, int ow,
            float *col) {
  int row = kh * kw * c;
  for (int b = 0; b < n; b++) {
    const float *xb = x + b * h * w * c;
    for (int r = 0; r < oh; r++) {
      for (int q = 0; q < ow; q++) {
        float *dst = col + ((b * oh + r) * ow + q) * row;
        for (int i = 0; i < kh; i++) {
          int y = r * sh - pad_top + i;
          for (int j = 0; j < kw; j++) {
            int xx = q * sw - pad_left + j;
            float *d = dst + (i * kw + j) * c;
            if (y < 0 || y >= h || xx < 0 || xx >= w) {
              for (int ch = 0; ch < c; ch++) d[ch] = 0.0f;
            } else {
              const float *s = xb + (y * w + xx) * c;
              for (int ch = 0; ch < c; ch++) d[ch] = s[ch];
            }
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: dx (NHWC, overwritten) = every patch row of `col` added back where it was read. */
void col2im(const float *col, int n, int h, int w, int c, int kh, int kw, int sh, int sw, int pad_top, int pad_left, int oh, int ow,
            float *dx) {
  int row = kh * kw * c;
  __builtin_memset(dx, 0, (unsigned long)n * h * w * c * sizeof(float));
  for (int b = 0; b < n; b++) {
    float *xb = dx + b * h * w * c;
    for (int r = 0; r < oh; r++) {
      for (int q = 0; q < ow; q++) {
        const float *src = col + ((b * oh + r) * ow + q) * row;
        for (int i = 0; i < kh; i++) {
          int y = r * sh - pad_top + i;
          if (y < 0 || y >= h) continue;
          for (int j = 0; j < kw; j++) {
            int xx = q * sw - pad_left + j;
            if (xx < 0 || xx >= w) continue;
            float *d = xb + (y * w + xx) * c;
            const float *s = src + (i * kw + j) * c;
            for (int ch = 0; ch < c; ch++) d[ch] += s[ch];
          }
        }
      }
    }
  }
}

/**
 * Max pooling's gradient on NHWC: each output's gradient goes to the first maximum of its
 * window in row-major order (the cpu backend's tie rule), four channels at a time. Padded
 * cells are outside [0, h) x [0, w) and never win. dx is overwritten.
 */
void maxpool_grad(const float *x, const float *dy, float *dx, int n, int h, int w, int c, int fh, int fw, int sh, int sw, int pad_top,
                  int pad_left, int oh, int ow) {
  __builtin_memset(dx, 0, (unsigned long)n * h * w * c * sizeof(float));
  for (int b = 0; b < n; b++) {
    for (int r = 0; r < oh; r++) {
      int r0 = r * sh - pad_top;
      int i0 = r0 < 0 ? 0 : r0, i1 = r0 + fh > h ? h : r0 + fh;
      for (int q = 0; q < ow; q++) {
        int q0 = q * sw - pad_left;
        int j0 = q0 < 0 ? 0 : q0, j1 = q0 + fw > w ? w : q0 + fw;
        if (i0 >= i1 || j0 >= j1) continue;
        const float *g = dy + ((b * oh + r) * ow + q) * c;
        int first = ((b * h + i0) * w + j0) * c;
        int ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          v128_t best = wasm_v128_load(x + first + ch);
          v128_t at = wasm_i32x4_splat(first);
          for (int i = i0; i < i1; i++) {
            for (int j = (i == i0 ? j0 + 1 : j0); j < j1; j++) {
              int off = ((b * h + i) * w + j) * c;
              v128_t v = wasm_v128_load(x + off + ch);
              v128_t more = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, more);
              at = wasm_v128_bitselect(wasm_i32x4_splat(off), at, more);
            }
          }
          dx[wasm_i32x4_extract_lane(at, 0) + ch] += g[ch];
          dx[wasm_i32x4_extract_lane(at, 1) + ch + 1] += g[ch + 1];
          dx[wasm_i32x4_extract_lane(at, 2) + ch + 2] += g[ch + 2];
          dx[wasm_i32x4_extract_lane(at, 3) + ch + 3] += g[ch + 3];
        }
        for (; ch < c; ch++) {
          float best = x[first + ch];
          int at = first;
          for (int i = i0; i < i1; i++) {
            for (int j = (i == i0 ? j0 + 1 : j0); j < j1; j++) {
              int off = ((b * h + i) * w + j) * c;
              if (x[off + ch] > best) {
                best = x[off + ch];
                at = off;
              }
            }
          }
          dx[at + ch] += g[ch];
        }
      }
    }
  }
}

/** out[r] = x[rows[r]] for rows of `row` floats: a batch gathered from a dataset. */
void gather_rows(const float *x, const int *rows, int count, int row, float *out) {
  for (int r = 0; r < count; r++) __builtin_memcpy(out + r * row, x + rows[r] * row, (unsigned long)row * sizeof(float));
}

/** out[j] = sum over i of x[i * cols + j]: a reduction over leading axes (a bias gradient) with no transpose. */
void sum_rows(const float *x, int rows, int cols, float *out) {
  __builtin_memset(out, 0, (unsigned long)cols * sizeof(float));
  for (int i = 0; i < rows; i++) {
    const float *row = x + i * cols;
    int j = 0;
    for (; j + 4 <= cols; j += 4) wasm_v128_store(out + j, wasm_f32x4_add(wasm_v128_load(out + j), wasm_v128_load(row + j)));
    for (; j < cols; j++) out[j] += row[j];
  }
}

/**
 * One Adam step over n parameters, in tfjs's order of float32 operations (so the result is the
 * bits tfjs's own Adam gives): m' = m b1 + g c1; v' = v b2 + g^2 c2;
 * value' = (m' / oma1) / (sqrt(v' / oma2) + eps) * neg_lr + value. Writes to new buffers.
 */
void adam_step(const float *value, const float *m, const float *v, const float *g, int n, float b1, float c1, float b2, float c2,
               float oma1, float oma2, float eps, float neg_lr, float *value_out, float *m_out, float *v_out) {
  v128_t vb1 = wasm_f32x4_splat(b1), vc1 = wasm_f32x4_splat(c1), vb2 = wasm_f32x4_splat(b2), vc2 = wasm_f32x4_splat(c2);
  v128_t va1 = wasm_f32x4_splat(oma1), va2 = wasm_f32x4_splat(oma2), veps = wasm_f32x4_splat(eps), vlr = wasm_f32x4_splat(neg_lr);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t gi = wasm_v128_load(g + i);
    v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), vb1), wasm_f32x4_mul(gi, vc1));
    v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), vb2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), vc2));
    v128_t step = wasm_f32x4_div(wasm_f32x4_div(mi, va1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, va2)), veps));
    wasm_v128_store(value_out + i, wasm_f32x4_add(wasm_f32x4_mul(step, vlr), wasm_v128_load(value + i)));
    wasm_v128_store(m_out + i, mi);
    wasm_v128_store(v_out + i, vi);
  }
  for (; i < n; i++) {
    float mi = m[i] * b1 + g[i] * c1;
    float vi = v[i] * b2 + (g[i] * g[i]) * c2;
    float step = (mi / oma1) / (__builtin_sqrtf(vi / oma2) + eps);
    value_out[i] = step * neg_lr + value[i];
    m_out[i] = mi;
    v_out[i] = vi;
  }
}

/** One SGD step, value' = g neg_lr + value: tfjs's own two float32 operations in one pass, into a new buffer. */
void sgd_step(const float *value, const float *g, int n, float neg_lr, float *value_out) {
  v128_t vlr = wasm_f32x4_splat(neg_lr);
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(value_out + i, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(g + i), vlr), wasm_v128_load(value + i)));
  for (; i < n; i++) value_out[i] = g[i] * neg_lr + value[i];
}

/* An index into [0, n) reflected at the edges without repeating them (tfjs's 'reflect'); clamped so
 * that a size-1 axis never reads outside the tensor. */
static inline int reflect_index(int p, int n) {
  if (p < 0) p = -p;
  if (p >= n) p = 2 * (n - 1) - p;
  return p < 0 ? 0 : p >= n ? n - 1 : p;
}

/* out[0:c] += in[0:c] * weight */
static void add_scaled(float *out, const float *in, float weight, int c) {
  v128_t vw = wasm_f32x4_splat(weight);
  int k = 0;
  for (; k + 4 <= c; k += 4) wasm_v128_store(out + k, wasm_f32x4_add(wasm_v128_load(out + k), wasm_f32x4_mul(wasm_v128_load(in + k), vw)));
  for (; k < c; k++) out[k] += in[k] * weight;
}

/**
 * BlurPool's blur on NHWC x (n, h, w, c): y[i, oy, ox] = sum over u, v < b of
 * kernel[u * b + v] x[i, R(oy stride + u - before), R(ox stride + v - before)], R reflecting into
 * the image. One pass with no padded copy and no channels-first transpose.
 */
void blur_forward(const float *x, int n, int h, int w, int c, const float *kernel, int b, int before, int stride, int oh, int ow, float *y) {
  for (int i = 0; i < n; i++)
    for (int oy = 0; oy < oh; oy++)
      for (int ox = 0; ox < ow; ox++) {
        float *out = y + ((i * oh + oy) * ow + ox) * c;
        __builtin_memset(out, 0, (unsigned long)c * sizeof(float));
        for (int u = 0; u < b; u++) {
          const float *row = x + (i * h + reflect_index(oy * stride + u - before, h)) * w * c;
          for (int v = 0; v < b; v++) add_scaled(out, row + reflect_index(ox * stride + v - before, w) * c, kernel[u * b + v], c);
        }
      }
}

/** The adjoint of blur_forward: dy (n, oh, ow, c) spread back onto dx (n, h, w, c), overwritten. */
void blur_backward(const float *dy, int n, int h, int w, int c, const float *kernel, int b, int before, int stride, int oh, int ow, float *dx) {
  __builtin_memset(dx, 0, (unsigned long)n * h * w * c * sizeof(float));
  for (int i = 0; i < n; i++)
    for (int oy = 0; oy < oh; oy++)
      for (int ox = 0; ox < ow; ox++) {
        const float *g = dy + ((i * oh + oy) * ow + ox) * c;
        for (int u = 0; u < b; u++) {
          float *row = dx + (i * h + reflect_index(oy * stride + u - before, h)) * w * c;
          for (int v = 0; v < b; v++) add_scaled(row + reflect_index(ox * stride + v - before, w) * c, g, kernel[u * b + v], c);
        }
      }
}

/* Output channels per block of conv2d_direct: two vectors, so each splat of an input feeds two multiply-adds. */
#define DC 8
/* Output pixels per pass of conv2d_direct: 8 accumulators, 2 filter vectors, a splat and (without relaxed SIMD) a
 * product fit V8's 15 SIMD registers on x64. 6 pixels (12 accumulators) measured no faster on seed-cnn's first layer. */
#define DP 4

/* Rows and columns of input the convolution reads: the image plus its padding, cut to what the filter reaches. */
static inline int direct_reach(int out, int stride, int k) { return (out - 1) * stride + k; }

/** Floats of scratch conv2d_direct needs for a kh x kw x c -> cout filter over an oh x ow output at strides sh, sw. */
int direct_scratch_floats(int kh, int kw, int c, int cout, int sh, int sw, int oh, int ow) {
  /* the filter in blocks of DC channels, the bias padded to them, the edge tile, one padded image, and an int per filter cell */
  int npad = round_up(cout, DC);
  return npad * kh * kw * c + npad + DP * DC + direct_reach(oh, sh, kh) * direct_reach(ow, sw, kw) * c + kh * kw * c;
}

/* One pixel's multiply-adds for a (kernel row, column, channel) cell: its input splatted once, times the block's two filter vectors. */
#define DIRECT_TAP(p)                                                                   \
  {                                                                                     \
    v128_t s = wasm_v128_load32_splat(in##p + offs[t]);                                 \
    a##p##0 = MADD(a##p##0, s, w0);                                                     \
    a##p##1 = MADD(a##p##1, s, w1);                                                     \
  }

/* ReLU is max(v, 0) and none max(v, -inf): pmax is one instruction, and a branch per store cost more. */
#define DIRECT_STORE(p)                                                                 \
  {                                                                                     \
    float *o = FULL ? out##p + cb : edge + p * DC;                                      \
    wasm_v128_store(o, wasm_f32x4_pmax(a##p##0, lo));                                   \
    wasm_v128_store(o + 4, wasm_f32x4_pmax(a##p##1, lo));                               \
    if (!FULL)                                                                          \
      for (int l = 0; l < cout - cb; l++) out##p[cb + l] = edge[p * DC + l];            \
  }

#define DIRECT_INIT(p)                                                                  \
  v128_t a##p##0 = b0;                                                                  \
  v128_t a##p##1 = b1;

#define P_IN(p) const float *in##p, float *out##p
#define DIRECT_EACH(M) M(0) M(1) M(2) M(3)

/*
 * Runs BODY for each block of DC output channels of a pass, and STORES where FULL is a constant: 1
 * for whole blocks (no tests in their stores), 0 for a narrower last one, through `edge`. BODY reads
 * the block's filter at `wb` (packed by conv2d_direct, `taps` cells of DC weights) into
 * accumulators that start at the bias.
 */
#define DIRECT_BLOCKS(INIT, BODY, STORES)                                               \
  for (int cb = 0; cb < cout; cb += DC) {                                               \
    const float *wb = wt + cb * taps;                                                   \
    v128_t b0 = wasm_v128_load(bias + cb), b1 = wasm_v128_load(bias + cb + 4);          \
    INIT                                                                                \
    BODY                                                                                \
    if (cb + DC <= cout) {                                                              \
      enum { FULL = 1 };                                                                \
      STORES                                                                            \
    } else {                                                                            \
      enum { FULL = 0 };                                                                \
      STORES                                                                            \
    }                                                                                   \
  }

/*
 * Every filter cell in one loop, its input `offs[t]` floats past a patch's first: 20-30% faster
 * on seed-cnn's first layer than a loop over filter rows around one over a row's kw * c cells,
 * whose set-up V8 ran again for each row of each block. Unrolled, the relaxed build interleaved
 * two cells' splats and multiply-adds (see splatsFeedingOneProduct in the build script).
 */
#define DIRECT_CELLS(TAPS)                                                                                   \
  _Pragma("clang loop unroll(disable)") for (int t = 0; t < taps; t++) {                                    \
    v128_t w0 = wasm_v128_load(wb), w1 = wasm_v128_load(wb + 4);                                             \
    TAPS                                                                                                     \
    wb += DC;                                                                                                \
  }

/*
 * Output pixels p (their patches' first inputs at in_p, their outputs at out_p) of every output
 * channel, DC at a time; each filter cell's DC weights are loaded once for all the pixels.
 */
static void direct_pixels(P_IN(0), P_IN(1), P_IN(2), P_IN(3), const int *offs, int taps, int cout, const float *wt, const float *bias, v128_t lo, float *edge) {
  DIRECT_BLOCKS(DIRECT_EACH(DIRECT_INIT), DIRECT_CELLS(DIRECT_EACH(DIRECT_TAP)), DIRECT_EACH(DIRECT_STORE))
}

static void direct_pixel(P_IN(0), const int *offs, int taps, int cout, const float *wt, const float *bias, v128_t lo, float *edge) {
  DIRECT_BLOCKS(DIRECT_INIT(0), DIRECT_CELLS(DIRECT_TAP(0)), DIRECT_STORE(0))
}

/* Where the patch of the pixel in row oy, column ox (past the row's end: the rows below) starts, `row` and `col` floats a row and a column. */
static inline int direct_offset(int oy, int ox, int ow, int row, int col) {
  for (; ox >= ow; ox -= ow) oy++;
  return oy * row + ox * col;
}

/* Pixel m + p of an image (m in row oy, column ox): where its patch starts in the (padded) image, and where its output goes. */
#define DIRECT_AT(p) src + direct_offset(oy, ox + p, ow, sh * ws, sw * c), y_img + (m + p) * cout

/**
 * A forward convolution of NHWC x (n, h, w, c) by an HWIO filter (kh, kw, c, cout) into y
 * (n, oh, ow, cout), plus bias (0: none) and then ReLU when `relu` is set, computed directly:
 * vectors of output channels, each input value splatted and multiplied into them. For few input
 * channels, where the patch GEMM's depth (kh kw c) is too shallow to pay for packing. An image
 * that needs padding is first copied into a zero-padded one, so the passes check no bounds.
 * `scratch` holds direct_scratch_floats() floats.
 */
void conv2d_direct(const float *x, int n, int h, int w, int c, const float *filter, int kh, int kw, int cout, int sh, int sw, int pad_top,
                   int pad_left, int oh, int ow, const float *bias, int relu, float *y, float *scratch) {
  int k = kh * kw * c, npad = round_up(cout, DC);
  int hp = direct_reach(oh, sh, kh), wp = direct_reach(ow, sw, kw);
  float *wt = scratch;
  float *bp = wt + npad * k;
  float *edge = bp + npad;
  float *padded = edge + DP * DC;
  if (n == 0 || oh <= 0 || ow <= 0 || cout == 0) return;
  for (int cb = 0; cb < npad; cb += DC)
    for (int t = 0; t < k; t++)
      for (int l = 0; l < DC; l++) wt[cb * k + t * DC + l] = cb + l < cout ? filter[t * cout + cb + l] : 0.0f;
  for (int co = 0; co < npad; co++) bp[co] = bias && co < cout ? bias[co] : 0.0f;
  int copy = pad_top > 0 || pad_left > 0 || hp > h || wp > w;
  if (copy) __builtin_memset(padded, 0, (unsigned long)hp * wp * c * sizeof(float));
  int ws = (copy ? wp : w) * c, pixels = oh * ow;
  int *offs = (int *)(padded + hp * wp * c);
  for (int i = 0, t = 0; i < kh; i++)
    for (int q = 0; q < kw * c; q++) offs[t++] = i * ws + q;
  v128_t lo = wasm_f32x4_splat(relu ? 0.0f : -__builtin_inff());
  for (int b = 0; b < n; b++) {
    const float *src = x + b * h * w * c;
    float *y_img = y + b * pixels * cout;
    if (copy) {
      int y1 = min_int(hp, pad_top + h), x1 = min_int(wp, pad_left + w);
      for (int yy = pad_top; yy < y1; yy++)
        if (x1 > pad_left)
          __builtin_memcpy(padded + (yy * wp + pad_left) * c, src + (yy - pad_top) * w * c, (unsigned long)(x1 - pad_left) * c * sizeof(float));
      src = padded;
    }
    /* The last pass ends at the image's last pixel, overlapping the one before: the same values written twice. */
    if (pixels >= DP)
      for (int m = 0;; m += DP) {
        if (m > pixels - DP) m = pixels - DP;
        int oy = m / ow, ox = m - oy * ow;
        direct_pixels(DIRECT_AT(0), DIRECT_AT(1), DIRECT_AT(2), DIRECT_AT(3), offs, k, cout, wt, bp, lo, edge);
        if (m == pixels - DP) break;
      }
    else
      for (int m = 0; m < pixels; m++) {
        int oy = 0, ox = m;
        direct_pixel(DIRECT_AT(0), offs, k, cout, wt, bp, lo, edge);
      }
  }
}
