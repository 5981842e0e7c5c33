/* SPDX-License-Identifier: Proprietary
 * The Internet checksum's bulk loop with AVX2, chosen at run time: the
 * build targets corei7 (DPDK's flags), and the two checksum passes of a
 * segment (verify on receive, compute on send) were the largest cost of
 * bulk transfer on both sides of `scripts/bench tcp`. 32 bytes per step,
 * each 32-bit word added into a 64-bit lane, exactly the sum the scalar
 * loop of tcp_p.h makes (the order of the additions does not matter).
 */
#include <immintrin.h>

#include "tcp/tcp_p.h"

bool tcp_csum_avx2;

__attribute__((constructor)) static void
tcp_csum_select(void)
{
	__builtin_cpu_init();
	tcp_csum_avx2 = __builtin_cpu_supports("avx2");
}

__attribute__((target("avx2"))) uint64_t
tcp_csum_add_avx2(const void *buf, uint32_t len, uint64_t sum)
{
	const uint8_t *p = buf;
	const __m256i zero = _mm256_setzero_si256();
	__m256i acc0 = zero, acc1 = zero, acc2 = zero, acc3 = zero;
	__m128i s;

	/* Lanes stay far below 2^64: at most 2^14 words of 2^32 each per
	 * lane for a 64 KiB buffer. */
	for (; len >= 64; p += 64, len -= 64) {
		__m256i a = _mm256_loadu_si256((const __m256i *)p);
		__m256i b = _mm256_loadu_si256((const __m256i *)(p + 32));

		acc0 = _mm256_add_epi64(acc0, _mm256_unpacklo_epi32(a, zero));
		acc1 = _mm256_add_epi64(acc1, _mm256_unpackhi_epi32(a, zero));
		acc2 = _mm256_add_epi64(acc2, _mm256_unpacklo_epi32(b, zero));
		acc3 = _mm256_add_epi64(acc3, _mm256_unpackhi_epi32(b, zero));
	}
	acc0 = _mm256_add_epi64(_mm256_add_epi64(acc0, acc1), _mm256_add_epi64(acc2, acc3));
	s = _mm_add_epi64(_mm256_castsi256_si128(acc0), _mm256_extracti128_si256(acc0, 1));
	sum += (uint64_t)_mm_cvtsi128_si64(s) + (uint64_t)_mm_extract_epi64(s, 1);
	/* The rest (under 64 bytes) starts at an even offset: plain loop. */
	return tcp_csum_add_scalar(p, len, sum);
}
